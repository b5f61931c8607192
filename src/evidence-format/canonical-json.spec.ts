import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CanonicalJsonError,
  canonicalBytes,
  canonicalJson,
  canonicalJsonOfParsed,
  canonicalTextProblem,
} from 'src/evidence-format/canonical-json';

/** The error thrown for a value, or a failure when nothing is thrown. */
function errorFor(value: unknown): CanonicalJsonError {
  try {
    canonicalJson(value);
  } catch (error) {
    if (error instanceof CanonicalJsonError) return error;
    throw error;
  }
  throw new Error('expected a CanonicalJsonError');
}

/** The canonical form of the example in RFC 8785 §3.2.2. */
const RFC_EXAMPLE_OUTPUT = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;

/** A number from its IEEE 754 bit pattern, as RFC 8785 Appendix B lists them. */
const fromBits = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('canonicalJson', () => {
  describe('RFC 8785 examples', () => {
    it('canonicalises the example of §3.2.2', () => {
      const input = String.raw`{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
      }`;
      expect(canonicalJson(JSON.parse(input))).toBe(RFC_EXAMPLE_OUTPUT);
    });

    it('sorts the names of §3.2.3 by UTF-16 code units', () => {
      const input = String.raw`{
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\ud83d\ude00": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis"
      }`;
      const text = canonicalJson(JSON.parse(input));
      // JSON.parse puts the integer-like name "1" first whatever the text says, so the order is
      // checked on the text itself.
      const order = [...text.matchAll(/:"([^"]+)"/g)].map((match) => match[1]);
      expect(order).toEqual([
        'Carriage Return',
        'One',
        'Control',
        'Latin Small Letter O With Diaeresis',
        'Euro Sign',
        'Emoji: Grinning Face',
        'Hebrew Letter Dalet With Dagesh',
      ]);
      expect(text).toBe(
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
          '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
          '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    it.each([
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ])('writes the Appendix B number %s as %s', (bits, text) => {
      expect(canonicalJson(fromBits(bits))).toBe(text);
    });

    it.each([
      ['7fffffffffffffff', 'NaN'],
      ['7ff0000000000000', 'Infinity'],
      ['fff0000000000000', '-Infinity'],
    ])('rejects the Appendix B number %s (%s)', (bits, name) => {
      const error = errorFor(fromBits(bits));
      expect(error.path).toBe('$');
      expect(error.message).toBe(`cannot canonicalise $: ${name} is not a JSON number`);
    });
  });

  describe('numbers', () => {
    it.each([
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [1e-7, '1e-7'],
      [0.000001, '0.000001'],
      [-0, '0'],
      // The RFC's input has more digits than a double holds, so it is parsed rather than written.
      [Number('333333333.33333329'), '333333333.3333333'],
      [4.5, '4.5'],
      [2e-3, '0.002'],
      [1e30, '1e+30'],
      [1e-27, '1e-27'],
      [1.0, '1'],
      [100, '100'],
      [-12.5, '-12.5'],
      [0.1, '0.1'],
      [0.1 + 0.2, '0.30000000000000004'],
      [123456789012345680000, '123456789012345680000'],
      [Number.MAX_SAFE_INTEGER, '9007199254740991'],
      [Number.MIN_VALUE, '5e-324'],
    ])('writes %p as %s', (value, text) => {
      expect(canonicalJson(value)).toBe(text);
    });
  });

  describe('strings', () => {
    it('escapes the controls U+0000 to U+001F, with short forms where JSON has them', () => {
      const short: Record<number, string> = { 8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r' };
      for (let code = 0; code < 0x20; code++) {
        const escape = short[code] ?? `u${code.toString(16).padStart(4, '0')}`;
        expect(canonicalJson(String.fromCharCode(code))).toBe(`"\\${escape}"`);
      }
      expect(canonicalJson('\u001f')).toBe('"\\u001f"');
    });

    it('escapes only the quotation mark and the backslash among the rest', () => {
      expect(canonicalJson('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
      // The solidus, DEL, C1 controls, line and paragraph separators and non-ASCII text stay.
      const literal = '/\u007f\u0080\u009f\u2028\u2029é€😀\ufeff\uffff';
      expect(canonicalJson(literal)).toBe(`"${literal}"`);
    });

    it('keeps well-formed surrogate pairs as they are', () => {
      expect(canonicalJson('\ud83d\ude00 \udbff\udfff')).toBe('"\ud83d\ude00 \udbff\udfff"');
    });
  });

  describe('objects and arrays', () => {
    it('writes literals and empty containers without whitespace', () => {
      expect(canonicalJson(null)).toBe('null');
      expect(canonicalJson(true)).toBe('true');
      expect(canonicalJson(false)).toBe('false');
      expect(canonicalJson({})).toBe('{}');
      expect(canonicalJson([])).toBe('[]');
      expect(canonicalJson([[], {}, [{}]])).toBe('[[],{},[{}]]');
      expect(canonicalJson({ a: [1, { b: null }], c: '' })).toBe('{"a":[1,{"b":null}],"c":""}');
    });

    it('sorts names by code units, not by insertion, integer value or locale', () => {
      const value = { b: 1, a: 2, '10': 3, '9': 4, '': 5, B: 6, é: 7, z: 8, aa: 9 };
      expect(canonicalJson(value)).toBe('{"":5,"10":3,"9":4,"B":6,"a":2,"aa":9,"b":1,"z":8,"é":7}');
    });

    it('sorts a name beyond U+FFFF by its surrogates, before U+E000..U+FFFF', () => {
      // By code point U+1F600 would follow U+FFFF; by code units 0xD83D comes first.
      const value = { '\uffff': 'last', '\ud83d\ude00': 'emoji', '\ue000': 'private', z: 'z' };
      expect(Object.keys(JSON.parse(canonicalJson(value)) as object)).toEqual([
        'z',
        '\ud83d\ude00',
        '\ue000',
        '\uffff',
      ]);
    });

    it('sorts nested objects too, and keeps array order', () => {
      const value = {
        z: [{ y: 1, x: 2 }, 3, [{ d: 4, c: 5 }]],
        a: { m: { q: true, p: false }, l: null },
      };
      expect(canonicalJson(value)).toBe(
        '{"a":{"l":null,"m":{"p":false,"q":true}},"z":[{"x":2,"y":1},3,[{"c":5,"d":4}]]}',
      );
    });

    it('gives the same text whatever order the members were added in', () => {
      const one = { chunks: [{ share: 0.25, id: 'a' }], model: { version: 2, name: 'm' } };
      const two = { model: { name: 'm', version: 2 }, chunks: [{ id: 'a', share: 0.25 }] };
      expect(canonicalJson(one)).toBe(canonicalJson(two));
    });

    it('is idempotent through JSON.parse', () => {
      const value = {
        records: [{ id: 7, text: 'line\nbreak "quoted" €', score: -1.5e-9 }, null, true],
        '\r': { '': [1e21, 0.1] },
      };
      const text = canonicalJson(value);
      expect(canonicalJson(JSON.parse(text))).toBe(text);
    });

    it('accepts objects without a prototype', () => {
      const bare = Object.create(null) as Record<string, unknown>;
      bare.b = 1;
      bare.a = 2;
      expect(canonicalJson({ bare })).toBe('{"bare":{"a":2,"b":1}}');
    });

    it('writes a member named __proto__ as data', () => {
      expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":0}'))).toBe(
        '{"__proto__":{"x":1},"a":0}',
      );
    });

    it('writes a value shared by two branches twice, as it is not a cycle', () => {
      const shared = { n: 1 };
      expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe(
        '{"a":{"n":1},"b":[{"n":1},{"n":1}]}',
      );
    });

    it('ignores non-enumerable properties, as JSON.stringify does', () => {
      const value = { a: 1 };
      Object.defineProperty(value, 'hidden', { value: 2, enumerable: false });
      Object.defineProperty(value, Symbol('hidden'), { value: 3, enumerable: false });
      expect(canonicalJson(value)).toBe('{"a":1}');
    });
  });

  describe('rejected values', () => {
    class Share {
      constructor(readonly value: number) {}
    }
    class Chunks extends Array<unknown> {}
    const cases: [string, () => unknown, string, RegExp][] = [
      ['NaN', () => ({ chunks: [0, 1, 2, { share: NaN }] }), '$.chunks[3].share', /^NaN is not/],
      ['Infinity', () => ({ a: { b: Infinity } }), '$.a.b', /^Infinity is not/],
      ['-Infinity', () => [-Infinity], '$[0]', /^-Infinity is not/],
      ['undefined at the top', () => undefined, '$', /^undefined is not a JSON value/],
      ['undefined in an object', () => ({ a: 1, b: undefined }), '$.b', /^undefined/],
      ['undefined in an array', () => [1, undefined], '$[1]', /^undefined/],
      ['a function', () => ({ f: () => 1 }), '$.f', /function/],
      ['a toJSON method', () => ({ toJSON: () => 'x' }), '$.toJSON', /function/],
      ['a symbol', () => ({ s: Symbol('s') }), '$.s', /symbol/],
      ['a bigint', () => ({ n: [10n] }), '$.n[0]', /bigint/],
      [
        'a lone high surrogate',
        () => ({ t: 'a\ud800b' }),
        '$.t',
        /lone surrogate U\+D800 at index 1/,
      ],
      ['a lone low surrogate', () => ['\udc00'], '$[0]', /lone surrogate U\+DC00 at index 0/],
      ['a reversed pair', () => '\ude00\ud83d', '$', /lone surrogate U\+DE00 at index 0/],
      ['a high surrogate at the end', () => 'ok\ud83d', '$', /U\+D83D at index 2/],
      ['a lone surrogate in a name', () => ({ '\ud800': 1 }), '$["\\ud800"]', /lone surrogate/],
      ['a Date', () => ({ at: new Date(0) }), '$.at', /instance of Date is not a plain object/],
      ['a Map', () => ({ m: new Map() }), '$.m', /instance of Map is not a plain object/],
      ['a Set', () => [new Set([1])], '$[0]', /instance of Set/],
      ['a RegExp', () => ({ r: /x/ }), '$.r', /instance of RegExp/],
      ['an Error', () => ({ e: new Error('x') }), '$.e', /instance of Error/],
      ['a Buffer', () => ({ b: Buffer.from('x') }), '$.b', /instance of Buffer/],
      ['a Uint8Array', () => ({ b: new Uint8Array(1) }), '$.b', /instance of Uint8Array/],
      ['a boxed string', () => ({ s: new String('x') }), '$.s', /instance of String/],
      ['a boxed number', () => ({ n: new Number(1) }), '$.n', /instance of Number/],
      ['a Promise', () => ({ p: Promise.resolve(1) }), '$.p', /instance of Promise/],
      ['a class instance', () => ({ chunks: [new Share(1)] }), '$.chunks[0]', /of Share is not/],
      [
        'an array subclass',
        () => ({ c: Chunks.from([1]) }),
        '$.c',
        /of Chunks is not a plain array/,
      ],
      [
        'an object with another prototype',
        () => ({ o: Object.create({ inherited: 1 }) as unknown }),
        '$.o',
        /^an object with a custom prototype is not a plain object$/,
      ],
      // eslint-disable-next-line no-sparse-arrays
      ['an array hole', () => ({ list: [1, , 3] }), '$.list[1]', /array hole/],
      ['an array of holes', () => new Array<unknown>(2), '$[0]', /array hole/],
      [
        'an array with a named property',
        () => ({ list: Object.assign([1, 2], { note: 'x' }) }),
        '$.list.note',
        /arrays cannot have named properties/,
      ],
      [
        'an enumerable symbol key',
        () => ({ o: { [Symbol('k')]: 1 } }),
        '$.o',
        /Symbol\(k\) is a symbol key/,
      ],
      ['a name that is not an identifier', () => ({ 'a b': { '1': NaN } }), '$["a b"]["1"]', /NaN/],
      ['a quote in a name', () => ({ 'say "x"': undefined }), '$["say \\"x\\""]', /undefined/],
    ];

    it.each(cases)('rejects %s, naming its path', (_, make, path, reason) => {
      const error = errorFor(make());
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('CanonicalJsonError');
      expect(error.path).toBe(path);
      expect(error.reason).toMatch(reason);
      expect(error.message).toBe(`cannot canonicalise ${path}: ${error.reason}`);
    });

    it('rejects an object that contains itself', () => {
      const record: Record<string, unknown> = { id: 1 };
      record.self = record;
      const error = errorFor(record);
      expect(error.path).toBe('$.self');
      expect(error.reason).toBe('cycle: this is the value at $ again');
    });

    it('rejects an array that contains itself', () => {
      const list: unknown[] = [1];
      list.push({ back: list });
      const error = errorFor({ list });
      expect(error.path).toBe('$.list[1].back');
      expect(error.reason).toBe('cycle: this is the value at $.list again');
    });

    it('rejects a longer cycle, naming where it closes', () => {
      const a: Record<string, unknown> = {};
      const b: Record<string, unknown> = { c: { d: a } };
      a.b = b;
      const error = errorFor({ root: { a } });
      expect(error.path).toBe('$.root.a.b.c.d');
      expect(error.reason).toBe('cycle: this is the value at $.root.a again');
    });

    it('lets errors from getters through unchanged', () => {
      const value = {
        get broken(): never {
          throw new RangeError('getter failed');
        },
      };
      expect(() => canonicalJson(value)).toThrow(RangeError);
    });
  });
});

describe('canonicalBytes', () => {
  it('encodes the canonical text as UTF-8', () => {
    const bytes = canonicalBytes({ '€': 'é', a: '😀' });
    expect(bytes.toString('hex')).toBe(Buffer.from('{"a":"😀","€":"é"}', 'utf8').toString('hex'));
    // € is e2 82 ac, é is c3 a9 and 😀 is f0 9f 98 80: code points, not surrogates.
    expect(bytes.toString('hex')).toBe('7b2261223a22f09f9880222c22e282ac223a22c3a9227d');
  });

  it('gives the bytes of the RFC 8785 §3.2.2 example', () => {
    const value = {
      numbers: [333333333.3333333, 1e30, 4.5, 0.002, 1e-27],
      string: '€$\u000f\nA\'B"\\\\"/',
      literals: [null, true, false],
    };
    const bytes = canonicalBytes(value);
    // The RFC shows them in hex, starting 7b 22 6c 69 74 65 72 61 6c 73 22 3a ({"literals":).
    expect(bytes.subarray(0, 12).toString('hex')).toBe('7b226c69746572616c73223a');
    expect(bytes.equals(Buffer.from(RFC_EXAMPLE_OUTPUT, 'utf8'))).toBe(true);
    // The euro sign, the only character beyond ASCII, takes three bytes.
    expect(bytes).toHaveLength(RFC_EXAMPLE_OUTPUT.length + 2);
    expect(bytes.indexOf(Buffer.from([0xe2, 0x82, 0xac]))).toBe(bytes.indexOf('"string":"') + 10);
  });

  it('throws the same errors', () => {
    expect(() => canonicalBytes({ chunks: [{ share: NaN }] })).toThrow(
      new CanonicalJsonError('$.chunks[0].share', 'NaN is not a JSON number'),
    );
  });
});

describe('canonicalJsonOfParsed', () => {
  const texts = [
    String.raw`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001,-0],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`,
    String.raw`{"\u20ac":"Euro","\r":"CR","\ufb33":"Dalet","1":"One","\ud83d\ude00":"Emoji","\u0080":"Control","\u00f6":"o"}`,
    '[]',
    '{}',
    '"just a string"',
    '[[[],{}],{"b":[1,{"d":2,"c":3}],"a":null}]',
  ];

  it.each(texts)('gives what canonicalJson gives for %s', (text) => {
    const value: unknown = JSON.parse(text);
    expect(canonicalJsonOfParsed(value)).toBe(canonicalJson(value));
  });

  it("gives what canonicalJson gives for the model's concept dictionary (157 kB, nested)", () => {
    const body: unknown = JSON.parse(
      readFileSync(join('model-store', 'audit-lm-full', '1.1.0', 'concepts.json'), 'utf8'),
    );
    expect(canonicalJsonOfParsed(body)).toBe(canonicalJson(body));
  });

  it('refuses a lone surrogate as canonicalJson does', () => {
    const value: unknown = JSON.parse(String.raw`{"a":"\ud800"}`);
    expect(() => canonicalJsonOfParsed(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalJsonOfParsed(JSON.parse(String.raw`{"\udc00":1}`))).toThrow(
      /lone surrogate/,
    );
  });
});

describe('canonicalTextProblem', () => {
  /** The reference answer: parse, serialise again, compare. */
  const isCanonical = (text: string): boolean => {
    try {
      return canonicalJsonOfParsed(JSON.parse(text)) === text;
    } catch {
      return false;
    }
  };

  /** A small seeded generator (mulberry32), so a failure can be replayed. */
  function generator(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // Units that escape differently, names that sort differently by code unit than by code point.
  const UNITS = [
    'a',
    'b',
    'A',
    'é',
    '"',
    '\\',
    '/',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    '😀',
    '\uffff',
    ' ',
  ];
  const NUMBERS = [
    0,
    -0,
    1,
    -1,
    10,
    100,
    0.5,
    1e21,
    1e-7,
    123456789.123,
    5e-324,
    2 ** 53,
    -1.5e300,
    0.1 + 0.2,
  ];

  function randomValue(next: () => number, depth: number): unknown {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    const text = () => Array.from({ length: Math.floor(next() * 4) }, () => pick(UNITS)).join('');
    const kind = Math.floor(next() * (depth > 3 ? 4 : 6));
    if (kind === 0) return text();
    if (kind === 1)
      return next() < 0.5 ? pick(NUMBERS) : (next() - 0.5) * 10 ** Math.floor(next() * 30 - 10);
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return Math.floor(next() * 1000);
    if (kind === 4)
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    const object: Record<string, unknown> = {};
    for (let i = Math.floor(next() * 5); i > 0; i--) object[text()] = randomValue(next, depth + 1);
    return object;
  }

  /** Texts of the same value that are canonical or not, as the reference decides. */
  function variants(value: unknown, next: () => number): string[] {
    const canonical = canonicalJson(value);
    const at = Math.floor(next() * (canonical.length + 1));
    const replaceOne = (from: string, to: string) => {
      const i = canonical.indexOf(from, Math.floor(next() * canonical.length));
      return i < 0 ? canonical : canonical.slice(0, i) + to + canonical.slice(i + from.length);
    };
    return [
      canonical,
      JSON.stringify(value),
      JSON.stringify(value, null, 1),
      canonical.slice(0, at) + ' ' + canonical.slice(at),
      replaceOne('\\n', '\\u000a'),
      replaceOne('\\u001f', '\\u001F'),
      replaceOne('/', '\\/'),
      replaceOne('a', '\\u0061'),
      replaceOne('é', '\\u00e9'),
      replaceOne('1', '1.0'),
      replaceOne('0', '0e0'),
      replaceOne('e+', 'E+'),
      replaceOne(',"', ',"a":0,"'),
      replaceOne('{"', '{"":1,"'),
    ];
  }

  it('agrees with parsing and serialising again on 21,000 variants of 1,500 random values', () => {
    const next = generator(20261208);
    let canonical = 0;
    let not = 0;
    for (let n = 0; n < 1500; n++) {
      const value = randomValue(next, 0);
      for (const text of variants(value, next)) {
        try {
          JSON.parse(text);
        } catch {
          continue; // A variant that is not JSON at all: outside the function's contract.
        }
        const expected = isCanonical(text);
        const problem = canonicalTextProblem(text);
        if ((problem === null) !== expected) throw new Error(`disagrees on ${text}: ${problem}`);
        if (expected) canonical++;
        else not++;
      }
    }
    // Both answers were exercised, many times.
    expect(canonical).toBeGreaterThan(10_000);
    expect(not).toBeGreaterThan(1500);
  });

  it('gives each top-level member the span of its canonical value', () => {
    const next = generator(7);
    for (let n = 0; n < 500; n++) {
      const value = { body: randomValue(next, 1), keyId: 'k', z: [randomValue(next, 2)] };
      const text = canonicalJson(value);
      const members = new Map<string, readonly [number, number]>();
      expect(canonicalTextProblem(text, members)).toBeNull();
      expect([...members.keys()]).toEqual(['body', 'keyId', 'z']);
      for (const [name, [start, end]] of members) {
        expect(text.slice(start, end)).toBe(canonicalJson(value[name as keyof typeof value]));
      }
    }
  });

  it('says what is wrong', () => {
    expect(canonicalTextProblem('{"b":1,"a":2}')).toBe(
      'the member "a" comes after "b", not before',
    );
    expect(canonicalTextProblem('{"a":1,"a":2}')).toBe('the member "a" appears twice');
    expect(canonicalTextProblem('{"a": 1}')).toBe('whitespace between tokens');
    expect(canonicalTextProblem('[1.0]')).toBe(
      'the number 1.0 is not written as ECMAScript writes it',
    );
    expect(canonicalTextProblem('["\\u0041"]')).toBe(
      'a string escapes a character JSON.stringify leaves as it is, or not as it does',
    );
    expect(canonicalTextProblem('"\\ud800"')).toBe(
      'a string escapes a character JSON.stringify leaves as it is, or not as it does',
    );
    expect(canonicalTextProblem('"\ud800"')).toBe('a string has a lone surrogate');
    expect(canonicalTextProblem('[1] ')).toBe('whitespace after the value');
  });
});
