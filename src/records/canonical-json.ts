/**
 * The JSON Canonicalization Scheme of RFC 8785 (JCS): one exact text for a JSON value, so that
 * records can be hashed and signed and the signature checked again after the record has been
 * parsed and serialised elsewhere.
 *
 * - Object members are sorted by their names as arrays of UTF-16 code units (not by code point,
 *   not by locale), recursively.
 * - There is no whitespace between tokens.
 * - Numbers are written as ECMAScript writes them (Number::toString, which JSON.stringify uses
 *   for finite numbers): 1e21 becomes 1e+21, 0.002 stays 0.002, and -0 becomes 0.
 * - Strings are escaped as JSON.stringify escapes them: `"` and `\` with a backslash, the
 *   controls U+0000 to U+001F as \b, \t, \n, \f, \r or \u00xx (lower-case hex), and everything
 *   else as it is.
 *
 * The input must be a JSON value made of plain data. Anything JSON.stringify would silently
 * drop, replace or transform is an error instead, because a signed record must say exactly what
 * it was given: non-finite numbers, undefined, functions, symbols, bigints, strings with lone
 * surrogates (RFC 8785 requires I-JSON), objects other than plain objects and arrays (Date, Map,
 * Buffer, class instances, boxed primitives), sparse arrays, arrays with extra properties,
 * enumerable symbol-keyed properties, and cycles. `toJSON` methods are not called.
 *
 * A plain object is one whose prototype is `Object.prototype` or null, and a plain array one
 * whose prototype is `Array.prototype`, both of this realm. Only own enumerable string-keyed
 * properties are serialised, as JSON.stringify does.
 */

/** Thrown for a value that has no canonical JSON form; `path` locates it, e.g. `$.chunks[3].share`. */
export class CanonicalJsonError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot canonicalise ${path}: ${reason}`);
    this.name = 'CanonicalJsonError';
  }
}

/** The RFC 8785 canonical text of a JSON value. Throws a CanonicalJsonError for anything else. */
export function canonicalJson(value: unknown): string {
  return serialise(value, '$', new Map());
}

/** The canonical text encoded as UTF-8: the bytes to hash or sign. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/**
 * @param path the JSON path of `value`, for error messages
 * @param ancestors the objects and arrays that enclose `value`, with their paths, to find cycles
 *   (a value shared by two branches without enclosing itself is fine, and written twice)
 */
function serialise(value: unknown, path: string, ancestors: Map<object, string>): string {
  switch (typeof value) {
    case 'string':
      return serialiseString(value, path);
    case 'number':
      return serialiseNumber(value, path);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return serialiseContainer(value, path, ancestors);
    case 'undefined':
      throw new CanonicalJsonError(path, 'undefined is not a JSON value');
    case 'bigint':
      throw new CanonicalJsonError(
        path,
        'a bigint is not a JSON value; convert it to a string (or a safe integer) first',
      );
    case 'symbol':
      throw new CanonicalJsonError(path, 'a symbol is not a JSON value');
    case 'function':
      throw new CanonicalJsonError(path, 'a function is not a JSON value');
  }
}

function serialiseNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) {
    throw new CanonicalJsonError(path, `${value} is not a JSON number`);
  }
  // For a finite number JSON.stringify is exactly ECMAScript's Number::toString, which RFC 8785
  // §3.2.2.3 adopts; it also writes -0 as 0.
  return JSON.stringify(value);
}

function serialiseString(value: string, path: string): string {
  const at = loneSurrogateAt(value);
  if (at >= 0) {
    const unit = value.charCodeAt(at).toString(16).toUpperCase();
    throw new CanonicalJsonError(path, `string has a lone surrogate U+${unit} at index ${at}`);
  }
  // With well-formed input, JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(value);
}

function serialiseContainer(value: object, path: string, ancestors: Map<object, string>): string {
  const enclosing = ancestors.get(value);
  if (enclosing !== undefined) {
    throw new CanonicalJsonError(path, `cycle: this is the value at ${enclosing} again`);
  }
  ancestors.set(value, path);
  const text = Array.isArray(value)
    ? serialiseArray(value, path, ancestors)
    : serialiseObject(value, path, ancestors);
  ancestors.delete(value);
  return text;
}

function serialiseArray(
  value: readonly unknown[],
  path: string,
  ancestors: Map<object, string>,
): string {
  if (Object.getPrototypeOf(value) !== Array.prototype) {
    throw new CanonicalJsonError(path, `${typeName(value)} is not a plain array`);
  }
  const parts: string[] = [];
  for (let i = 0; i < value.length; i++) {
    // JSON.stringify would write a hole as null; a record should not gain a null it never had.
    if (!Object.hasOwn(value, i)) throw new CanonicalJsonError(`${path}[${i}]`, 'array hole');
    parts.push(serialise(value[i], `${path}[${i}]`, ancestors));
  }
  // With no holes, the own enumerable keys are the indices, in order, then any other properties.
  const keys = Object.keys(value);
  if (keys.length > value.length) {
    const extra = keys[value.length];
    throw new CanonicalJsonError(memberPath(path, extra), 'arrays cannot have named properties');
  }
  rejectSymbolKeys(value, path);
  return `[${parts.join(',')}]`;
}

function serialiseObject(value: object, path: string, ancestors: Map<object, string>): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalJsonError(path, `${typeName(value)} is not a plain object`);
  }
  rejectSymbolKeys(value, path);
  // The relational operators compare strings by UTF-16 code units, which is the order of
  // RFC 8785 §3.2.3. Property names are unique, so there are no ties.
  const members = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  const parts = members.map(([name, member]) => {
    const at = memberPath(path, name);
    const key = loneSurrogateAt(name) >= 0 ? serialiseString(name, at) : JSON.stringify(name);
    return `${key}:${serialise(member, at, ancestors)}`;
  });
  return `{${parts.join(',')}}`;
}

/** JSON.stringify ignores symbol keys; a record must not lose them silently. */
function rejectSymbolKeys(value: object, path: string): void {
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      throw new CanonicalJsonError(path, `${String(symbol)} is a symbol key, not a JSON name`);
    }
  }
}

/** The index of the first unpaired surrogate code unit, or -1 when the string is well formed. */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1); // NaN past the end
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.name` for names that read as identifiers, `$["other name"]` for the rest. */
function memberPath(parent: string, name: string): string {
  return IDENTIFIER.test(name) ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}

/**
 * What made an object, for error messages: "an instance of Date", "an instance of Foo", or "an
 * object with a custom prototype" for one made by Object.create from some other object.
 */
function typeName(value: object): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (
    typeof prototype === 'object' &&
    prototype !== null &&
    Object.hasOwn(prototype, 'constructor')
  ) {
    const constructor = (prototype as { constructor: unknown }).constructor;
    if (typeof constructor === 'function' && constructor.name) {
      return `an instance of ${constructor.name}`;
    }
  }
  return 'an object with a custom prototype';
}
