/** A JSON Schema node of an OpenAPI document, as far as closing it needs. */
type Schema = {
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  not?: Schema;
  [keyword: string]: unknown;
};

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/**
 * A copy of `document` in which an object may hold only the properties its schema names: every schema
 * with `properties` and no `additionalProperties` gets `additionalProperties: false`, so that a field the
 * server sends and the document lacks fails validation. A validator would otherwise take any extra field.
 *
 * allOf is the one composition that closing each part would break (each part would refuse the others'
 * properties), and JSON Schema draft 7, which Ajv runs here, has no unevaluatedProperties. So an allOf's
 * object parts stay open, as inline copies of the document's own schemas, and the schema holding the
 * allOf is closed instead, by naming every property of its parts and its own in `propertyNames`. oneOf
 * and anyOf alternatives are whole objects each, and are closed like any schema.
 */
export function closedDocument<D extends object>(document: D): D {
  const original = (document as OpenApiDocument).components?.schemas ?? {};
  const closed = structuredClone(document) as OpenApiDocument;
  const resolve = (schema: Schema): Schema => (schema.$ref ? original[schema.$ref.replace('#/components/schemas/', '')] : schema);
  const propertyNamesOf = (schema: Schema): string[] => {
    const resolved = resolve(schema);
    return [...Object.keys(resolved.properties ?? {}), ...(resolved.allOf ?? []).flatMap(propertyNamesOf)];
  };

  function close(schema: Schema, { asPart = false } = {}): void {
    if (schema.$ref) return;
    const composedObject = (schema.allOf ?? []).some((part) => propertyNamesOf(part).length > 0);
    if (composedObject) {
      schema.allOf = schema.allOf!.map((part) => structuredClone(resolve(part)));
      if (!asPart && schema.additionalProperties === undefined) schema.propertyNames = { enum: [...new Set(propertyNamesOf(schema))] };
    } else if (!asPart && schema.properties && schema.additionalProperties === undefined) {
      schema.additionalProperties = false;
    }
    for (const child of Object.values(schema.properties ?? {})) close(child);
    if (typeof schema.additionalProperties === 'object') close(schema.additionalProperties);
    for (const child of [schema.items, schema.not, ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) if (child) close(child);
    for (const part of schema.allOf ?? []) close(part, { asPart: composedObject });
  }

  for (const schema of Object.values(closed.components?.schemas ?? {})) close(schema);
  for (const operation of Object.values(closed.paths).flatMap((methods) => Object.values(methods))) {
    for (const response of Object.values(operation.responses ?? {})) {
      for (const media of Object.values(response.content ?? {})) if (media.schema) close(media.schema);
    }
  }
  return closed as D;
}
