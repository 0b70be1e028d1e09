/** How deep and how large a JSON body may be before it is parsed. */
export const MAX_JSON_DEPTH = 10;
// Room for a batch of 500 rich messages; the body size limit bounds the rest.
export const MAX_JSON_PROPERTIES = 100_000;

export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
  /** Read by body-parser and by BodyParserErrorsFilter: a client error, safe to show. */
  readonly status = 400;
  readonly expose = true;
  readonly type = 'entity.shape.exceeded';
}

/**
 * Walks the raw bytes once, outside strings, counting nesting depth and members (every `,` and every
 * opened container), and throws before JSON.parse ever sees a body built to exhaust the parser or the
 * validator. Used as body-parser's `verify` hook.
 */
export function checkJsonShape(raw: Buffer): void {
  let depth = 0;
  let members = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (inString) {
      if (byte === 0x5c) i += 1;
      else if (byte === 0x22) inString = false;
      continue;
    }
    if (byte === 0x22) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      depth += 1;
      members += 1;
      if (depth > MAX_JSON_DEPTH) throw new JsonShapeError(`JSON nesting deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (byte === 0x7d || byte === 0x5d) depth -= 1;
    else if (byte === 0x2c && ++members > MAX_JSON_PROPERTIES) {
      throw new JsonShapeError(`JSON body with more than ${MAX_JSON_PROPERTIES} members`);
    }
  }
}
