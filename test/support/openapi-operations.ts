/** Every operation of an OpenAPI `document`, with its method (upper case) and its path as the document writes it. */
export const operationsOf = <O extends object>(document: { paths: Record<string, Record<string, O>> }) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ method: method.toUpperCase(), path, ...operation })),
  );
