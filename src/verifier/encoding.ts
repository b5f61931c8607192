/**
 * Strict decoders for the text encodings in the files an auditor is given. Node's own base64
 * decoder is lenient (it skips foreign characters, mixes the two alphabets and ignores unused
 * bits), so two different strings could decode to the same hash; here each value has exactly one
 * accepted spelling. Every function returns null for bad input instead of throwing.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding (RFC 4648 §4), canonical: it must re-encode to the same text. */
export function decodeBase64(text: unknown): Buffer | null {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !STANDARD.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : null;
}

/** base64url without padding (RFC 4648 §5, as JWK uses it per RFC 7515 §2), canonical. */
export function decodeBase64Url(text: unknown): Buffer | null {
  if (typeof text !== 'string' || !URL_SAFE.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** A 32-byte hash in standard base64, or null. */
export function decodeHash(text: unknown): Buffer | null {
  const bytes = decodeBase64(text);
  return bytes !== null && bytes.length === 32 ? bytes : null;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 date-time (§5.6) as nanoseconds since the epoch, so that fractions finer than a
 * millisecond still compare exactly; null for anything else, including impossible dates such as
 * February 30 and the leap second 60 (which our clocks never write). With `utcOnly` the offset
 * must be `Z`, the form of every time the service writes.
 */
export function parseTime(text: unknown, utcOnly = false): bigint | null {
  if (typeof text !== 'string') return null;
  const match = RFC3339.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction = '', zone] = [match[7], match[8]];
  if (utcOnly && zone !== 'Z') return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const [h, m] = zone.slice(1).split(':').map(Number);
    if (h > 23 || m > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (h * 60 + m);
  }
  const ms = date.getTime() - offsetMinutes * 60_000;
  return BigInt(ms) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/**
 * The first member name that appears twice in one object of a JSON text, or null. JSON.parse
 * keeps the last of two duplicates silently, so a person reading the file could see one value
 * while the verifier checks another; RFC 8785 requires I-JSON input (RFC 7493 §2.3), which has
 * no duplicates. The text must already have been accepted by JSON.parse.
 */
export function duplicateMemberName(json: string): string | null {
  // One entry per open container: the names seen so far for an object, null for an array.
  const stack: (Set<string> | null)[] = [];
  let expectingName = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === '"') {
      const end = endOfString(json, i);
      const top = stack[stack.length - 1];
      if (expectingName && top) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.has(name)) return name;
        top.add(name);
      }
      expectingName = false;
      i = end;
    } else if (char === '{') {
      stack.push(new Set());
      expectingName = true;
    } else if (char === '[') {
      stack.push(null);
    } else if (char === '}' || char === ']') {
      stack.pop();
    } else if (char === ',') {
      expectingName = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}

/** The index of the quote that closes the string opening at `start`. */
function endOfString(json: string, start: number): number {
  let i = start + 1;
  while (json[i] !== '"') i += json[i] === '\\' ? 2 : 1;
  return i;
}
