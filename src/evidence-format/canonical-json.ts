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
  const out: string[] = [];
  serialise(value, ROOT, new Map(), out);
  return out.join('');
}

/**
 * The canonical text of a value that JSON.parse returned, and nothing else: plain objects and
 * arrays without holes, cycles, symbols or undefined, so only the strings (which may hold a lone
 * surrogate from a `\ud800` escape) need checking. Several times faster than `canonicalJson`,
 * which must refuse everything else a caller could build; the verifier re-canonicalises every
 * parsed body with it.
 */
export function canonicalJsonOfParsed(value: unknown): string {
  switch (typeof value) {
    case 'string':
      if (!isWellFormed(value)) return serialiseString(value, ROOT);
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) text += ',';
          text += canonicalJsonOfParsed(value[i]);
        }
        return `${text}]`;
      }
      const record = value as Record<string, unknown>;
      const names = Object.keys(record).sort((a, b) => (a < b ? -1 : 1));
      let text = '{';
      for (let i = 0; i < names.length; i++) {
        if (i > 0) text += ',';
        text += `${canonicalJsonOfParsed(names[i])}:${canonicalJsonOfParsed(record[names[i]])}`;
      }
      return `${text}}`;
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      // Not something JSON.parse returns: the full serialiser says what is wrong with it.
      return canonicalJson(value);
  }
}

/** The canonical text encoded as UTF-8: the bytes to hash or sign. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/**
 * Where a value sits, as a chain to the root, written out (`$.chunks[3].share`) only when an
 * error needs it: records are large, and building every member's path string up front cost more
 * than serialising.
 */
interface Path {
  readonly parent: Path | null;
  readonly key: string | number;
}
const ROOT: Path = { parent: null, key: '$' };

function render(path: Path): string {
  if (path.parent === null) return String(path.key);
  const parent = render(path.parent);
  return typeof path.key === 'number' ? `${parent}[${path.key}]` : memberPath(parent, path.key);
}

// The String.prototype.isWellFormed of ES2024 (Node 20), not yet in this project's lib types.
const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * Appends the canonical text of `value` to `out`.
 * @param path where `value` is, for error messages
 * @param ancestors the objects and arrays that enclose `value`, with their paths, to find cycles
 *   (a value shared by two branches without enclosing itself is fine, and written twice)
 */
function serialise(value: unknown, path: Path, ancestors: Map<object, Path>, out: string[]): void {
  switch (typeof value) {
    case 'string':
      out.push(serialiseString(value, path));
      return;
    case 'number':
      out.push(serialiseNumber(value, path));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'object':
      if (value === null) out.push('null');
      else serialiseContainer(value, path, ancestors, out);
      return;
    case 'undefined':
      throw new CanonicalJsonError(render(path), 'undefined is not a JSON value');
    case 'bigint':
      throw new CanonicalJsonError(
        render(path),
        'a bigint is not a JSON value; convert it to a string (or a safe integer) first',
      );
    case 'symbol':
      throw new CanonicalJsonError(render(path), 'a symbol is not a JSON value');
    case 'function':
      throw new CanonicalJsonError(render(path), 'a function is not a JSON value');
  }
}

function serialiseNumber(value: number, path: Path): string {
  if (!Number.isFinite(value)) {
    throw new CanonicalJsonError(render(path), `${value} is not a JSON number`);
  }
  // For a finite number JSON.stringify is exactly ECMAScript's Number::toString, which RFC 8785
  // §3.2.2.3 adopts; it also writes -0 as 0.
  return JSON.stringify(value);
}

function serialiseString(value: string, path: Path): string {
  if (!isWellFormed(value)) {
    const at = loneSurrogateAt(value);
    const unit = value.charCodeAt(at).toString(16).toUpperCase();
    throw new CanonicalJsonError(
      render(path),
      `string has a lone surrogate U+${unit} at index ${at}`,
    );
  }
  // With well-formed input, JSON.stringify escapes exactly as RFC 8785 §3.2.2.2 requires.
  return JSON.stringify(value);
}

function serialiseContainer(
  value: object,
  path: Path,
  ancestors: Map<object, Path>,
  out: string[],
): void {
  const enclosing = ancestors.get(value);
  if (enclosing !== undefined) {
    throw new CanonicalJsonError(
      render(path),
      `cycle: this is the value at ${render(enclosing)} again`,
    );
  }
  ancestors.set(value, path);
  if (Array.isArray(value)) serialiseArray(value, path, ancestors, out);
  else serialiseObject(value, path, ancestors, out);
  ancestors.delete(value);
}

function serialiseArray(
  value: readonly unknown[],
  path: Path,
  ancestors: Map<object, Path>,
  out: string[],
): void {
  if (Object.getPrototypeOf(value) !== Array.prototype) {
    throw new CanonicalJsonError(render(path), `${typeName(value)} is not a plain array`);
  }
  // With no holes, the own enumerable keys are the indices, in order, then any other properties.
  const keys = Object.keys(value);
  if (keys.length > value.length) {
    for (let i = 0; i < value.length; i++) {
      if (!Object.hasOwn(value, i)) {
        throw new CanonicalJsonError(render({ parent: path, key: i }), 'array hole');
      }
    }
    const extra = keys[value.length];
    throw new CanonicalJsonError(
      memberPath(render(path), extra),
      'arrays cannot have named properties',
    );
  }
  rejectSymbolKeys(value, path);
  out.push('[');
  for (let i = 0; i < value.length; i++) {
    // JSON.stringify would write a hole as null; a record should not gain a null it never had.
    if (!Object.hasOwn(value, i)) {
      throw new CanonicalJsonError(render({ parent: path, key: i }), 'array hole');
    }
    if (i > 0) out.push(',');
    serialise(value[i], { parent: path, key: i }, ancestors, out);
  }
  out.push(']');
}

function serialiseObject(
  value: object,
  path: Path,
  ancestors: Map<object, Path>,
  out: string[],
): void {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new CanonicalJsonError(render(path), `${typeName(value)} is not a plain object`);
  }
  rejectSymbolKeys(value, path);
  // The relational operators compare strings by UTF-16 code units, which is the order of
  // RFC 8785 §3.2.3. Property names are unique, so there are no ties.
  const names = Object.keys(value).sort((a, b) => (a < b ? -1 : 1));
  const record = value as Record<string, unknown>;
  out.push('{');
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const at: Path = { parent: path, key: name };
    if (i > 0) out.push(',');
    out.push(isWellFormed(name) ? JSON.stringify(name) : serialiseString(name, at), ':');
    serialise(record[name], at, ancestors, out);
  }
  out.push('}');
}

/** JSON.stringify ignores symbol keys; a record must not lose them silently. */
function rejectSymbolKeys(value: object, path: Path): void {
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      throw new CanonicalJsonError(
        render(path),
        `${String(symbol)} is a symbol key, not a JSON name`,
      );
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

/**
 * Why `text`, which JSON.parse accepts, is not the RFC 8785 canonical text of the value it
 * parses to, or null when it is: decided from the text alone, in one pass, where
 * `canonicalJsonOfParsed(JSON.parse(text)) === text` serialises the whole value again (the
 * verifier asks this of every line of a package, lines of 50 kB of attributions). The text is
 * canonical when there is no whitespace between tokens, every object's member names strictly
 * increase as strings of UTF-16 code units (so none appears twice), every number is written as
 * ECMAScript writes it, and every string escapes exactly what JSON.stringify escapes, as it
 * escapes it (`\"`, `\\`, `\b \t \n \f \r`, other controls as `\u00xx` in lower case), with no
 * lone surrogate.
 *
 * `members`, when given, receives the span [start, end) of each top-level member's value: in a
 * canonical text that slice is the member value's own canonical text.
 */
export function canonicalTextProblem(
  text: string,
  members?: Map<string, readonly [number, number]>,
): string | null {
  if (!isWellFormed(text)) return 'a string has a lone surrogate';
  /** Per open container: the last member name of an object, or null for an array. */
  const names: (string | null | undefined)[] = [];
  /** The top-level member being read, and where its value starts. */
  let member = '';
  let valueStart = 0;
  let i = 0;
  /** Reads a member name and colon at i, for the object on top of `names`. */
  const nextMember = (): string | null => {
    const read = readName(text, i, names);
    if (typeof read === 'string') return read;
    i = read[1];
    if (names.length === 1) [member, valueStart] = read;
    return null;
  };
  for (;;) {
    // A value starts at i.
    const c = text.charCodeAt(i);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i++;
      const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
      if (text.charCodeAt(i) !== close) {
        names.push(c === OPEN_OBJECT ? undefined : null);
        if (c === OPEN_ARRAY) continue;
        const problem = nextMember();
        if (problem !== null) return problem;
        continue;
      }
      i++;
    } else if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0)
        return 'a string escapes a character JSON.stringify leaves as it is, or not as it does';
      i = end;
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = i;
      while (isNumberChar(text.charCodeAt(i))) i++;
      const token = text.slice(start, i);
      if (String(Number(token)) !== token)
        return `the number ${token} is not written as ECMAScript writes it`;
    } else if (c === LETTER_T || c === LETTER_N) {
      i += 4;
    } else if (c === LETTER_F) {
      i += 5;
    } else {
      return 'whitespace between tokens';
    }
    // A value ended at i: close the containers it ends, or go on to the next member or element.
    for (;;) {
      if (names.length === 0) return i === text.length ? null : 'whitespace after the value';
      const inObject = names[names.length - 1] !== null;
      if (inObject && names.length === 1 && members) members.set(member, [valueStart, i]);
      const next = text.charCodeAt(i);
      if (next === COMMA) {
        i++;
        const problem = inObject ? nextMember() : null;
        if (problem !== null) return problem;
        break;
      }
      if (next !== (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) return 'whitespace between tokens';
      i++;
      names.pop();
    }
  }
}

const [OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY] = [0x7b, 0x7d, 0x5b, 0x5d];
const [QUOTE, BACKSLASH, COLON, COMMA, MINUS] = [0x22, 0x5c, 0x3a, 0x2c, 0x2d];
const [DIGIT_0, DIGIT_9, LETTER_T, LETTER_N, LETTER_F] = [0x30, 0x39, 0x74, 0x6e, 0x66];
const isNumberChar = (c: number): boolean =>
  (c >= DIGIT_0 && c <= DIGIT_9) ||
  c === MINUS ||
  c === 0x2b ||
  c === 0x2e ||
  c === 0x65 ||
  c === 0x45;
/** The escapes JSON.stringify writes after a backslash, besides `u` for the other controls. */
const SHORT_ESCAPES = new Set(['"', '\\', 'b', 'f', 'n', 'r', 't']);

/**
 * Reads the member name at `i` (an object's first, or the one after a comma) and its colon,
 * checks that it follows the object's last name, and returns the name and where its value
 * starts, or why the text is not canonical.
 */
function readName(
  text: string,
  i: number,
  names: (string | null | undefined)[],
): [string, number] | string {
  if (text.charCodeAt(i) !== QUOTE) return 'whitespace between tokens';
  const end = stringEnd(text, i);
  if (end < 0)
    return 'a string escapes a character JSON.stringify leaves as it is, or not as it does';
  const raw = text.slice(i + 1, end - 1);
  const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
  const previous = names[names.length - 1];
  if (previous !== undefined && previous !== null && !(previous < name)) {
    return previous === name
      ? `the member ${JSON.stringify(name)} appears twice`
      : `the member ${JSON.stringify(name)} comes after ${JSON.stringify(previous)}, not before`;
  }
  names[names.length - 1] = name;
  if (text.charCodeAt(end) !== COLON) return 'whitespace between tokens';
  return [name, end + 1];
}

/** Where the string starting at `i` ends (after its closing quote), or -1 for an escape JSON.stringify would not write. */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) return j + 1;
    if (c !== BACKSLASH) continue;
    const escape = text[++j];
    if (SHORT_ESCAPES.has(escape)) continue;
    // \u is written only for the controls without a short form, in lower-case hex.
    const hex = text.slice(j + 1, j + 5);
    const unit = Number.parseInt(hex, 16);
    if (escape !== 'u' || !/^00[01][0-9a-f]$/.test(hex) || [8, 9, 10, 12, 13].includes(unit)) {
      return -1;
    }
    j += 4;
  }
  return -1;
}
