import type { NextFunction, Request, Response } from 'express';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

/** A refusal from a body parser's `verify`, shaped as body-parser's own errors are. */
export class BodyRefusedError extends Error {
  readonly status = 400;
  constructor(
    readonly type: 'body.invalid_utf8' | 'body.too_deep',
    message: string,
  ) {
    super(message);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks a body's bytes before they are parsed: strict UTF-8 (a body with bytes that are not
 * UTF-8 is refused, never repaired into U+FFFD and then committed as if the client had sent it),
 * and for JSON a nesting depth of at most MAX_JSON_DEPTH, found by one pass over the bytes that
 * skips strings, so no recursive walk downstream can overflow the stack.
 */
export function verifyBody(json: boolean) {
  return (_req: unknown, _res: unknown, buf: Buffer): void => {
    try {
      STRICT_UTF8.decode(buf);
    } catch {
      throw new BodyRefusedError('body.invalid_utf8', 'the request body is not valid UTF-8');
    }
    if (json) {
      const depth = jsonDepth(buf);
      if (depth > MAX_JSON_DEPTH) {
        throw new BodyRefusedError(
          'body.too_deep',
          `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
        );
      }
    }
  };
}

/** The deepest nesting of `[` and `{` in JSON text, outside strings (stops early past the limit). */
export function jsonDepth(buf: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > MAX_JSON_DEPTH) return deepest;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * 415 for a body of a media type the route cannot read: the API reads JSON, the portal's pages
 * read HTML forms (urlencoded). Without this a text/plain body would reach validation empty and
 * be answered 422 "field missing", which sends the client looking in the wrong place.
 */
export function requireReadableMediaType(req: Request, res: Response, next: NextFunction): void {
  const hasBody =
    BODY_METHODS.has(req.method) &&
    (req.headers['transfer-encoding'] !== undefined ||
      Number(req.headers['content-length'] ?? 0) > 0);
  if (!hasBody || req.is(['application/json', 'application/x-www-form-urlencoded'])) return next();
  const id = (req as Request & { id?: string }).id;
  res.status(415).json({
    error: {
      code: 'unsupported_media_type',
      message: `a request body must be application/json${req.path.startsWith('/v1/') ? '' : ' (or an HTML form, application/x-www-form-urlencoded)'}; this one is ${req.headers['content-type'] ?? 'of no stated type'}`,
      ...(id !== undefined ? { requestId: id } : {}),
    },
  });
}
