import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ModelPackageError,
  PackageManifest,
  readModelPackage,
  REQUIRED_FILES,
} from 'src/model-package/model-package';
import {
  conceptBigram,
  conceptBigrams,
  decodeSignatures,
  encodeSignatures,
  RECORD_BYTES,
  SegmentSignature,
} from 'src/model-package/signatures';

const shapes = {
  vocabSize: 4,
  contextLength: 8,
  dModel: 2,
  knownConcepts: 1,
  unknownConcepts: 2,
  knownTopK: 1,
  unknownTopK: 1,
};

/** A minimal, internally consistent package (the files' contents only need the right shapes). */
function writePackage(
  dir: string,
  edit: (m: PackageManifest) => void = () => undefined,
  overrides: Record<string, Buffer | string> = {},
): void {
  const contents: Record<string, Buffer | string> = {
    'model.onnx': Buffer.from('not really onnx, but hashed like it'),
    'tokenizer.json': JSON.stringify({ vocab: ['[PAD]', '[BOS]', '[EOS]', '[UNK]'] }),
    'concepts.json': JSON.stringify({ known: [{ id: 0 }], unknown: [{ id: 0 }, { id: 1 }] }),
    'effects.bin': Buffer.alloc((1 + 2) * 4 * 4),
    'training-index.jsonl': '{"chunk":"a#0"}\n',
    'training-signatures.bin': encodeSignatures([
      { chunk: 0, start: 0, end: 10, known: [[0, 0.5]], unknown: [[1, 1]], sequence: [] },
    ]),
    'source-concepts.json': '{}',
    'MODEL_CARD.md': '# card\n',
    ...overrides,
  };
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(contents)) {
    writeFileSync(join(dir, name), content);
    files[name] = createHash('sha256').update(content).digest('hex');
  }
  const manifest: PackageManifest = {
    name: 't',
    version: '1',
    format: 1,
    files,
    shapes,
    effects: { knownOffset: 0, unknownOffset: 16 },
    training: {},
    sources: [],
    canaries: [],
    evaluation: {},
  };
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

describe('reading a model package', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pkg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a consistent package', () => {
    writePackage(dir);
    expect(readModelPackage(dir).manifest.files['model.onnx']).toMatch(/^[0-9a-f]{64}$/);
    expect(REQUIRED_FILES).toContain('training-index.jsonl');
  });

  it('names the file whose bytes changed', () => {
    writePackage(dir);
    writeFileSync(
      join(dir, 'concepts.json'),
      JSON.stringify({ known: [{}], unknown: [{}, {}] }) + ' ',
    );
    expect(() => readModelPackage(dir)).toThrow(
      /concepts\.json: SHA-256 is [0-9a-f]{64}, the manifest says/,
    );
  });

  it('names a missing file, an unlisted required file and a path outside the package', () => {
    writePackage(dir);
    unlinkSync(join(dir, 'effects.bin'));
    expect(() => readModelPackage(dir)).toThrow('model package: effects.bin: missing');
    writePackage(dir, (m) => delete m.files['MODEL_CARD.md']);
    expect(() => readModelPackage(dir)).toThrow('MODEL_CARD.md: not listed in the manifest');
    writePackage(dir, (m) => (m.files['../escape.txt'] = 'x'.repeat(64)));
    expect(() => readModelPackage(dir)).toThrow('../escape.txt: points outside the package');
  });

  it('refuses shapes that disagree with the files', () => {
    writePackage(dir, (m) => (m.shapes = { ...shapes, vocabSize: 5 }));
    expect(() => readModelPackage(dir)).toThrow(ModelPackageError);
    expect(() => readModelPackage(dir)).toThrow(/effects\.bin: 48 bytes, expected 60/);
    writePackage(dir, (m) => {
      m.shapes = { ...shapes, unknownConcepts: 3, vocabSize: 3 };
      m.effects = { knownOffset: 0, unknownOffset: 12 };
    });
    expect(() => readModelPackage(dir)).toThrow(/concepts\.json: concept counts differ/);
  });

  it('decodes the segment signatures and refuses ones that do not fit the index or the model', () => {
    writePackage(dir);
    const { signatures } = readModelPackage(dir);
    expect(signatures.count).toBe(1);
    expect([signatures.chunk(0), signatures.start(0), signatures.end(0)]).toEqual([0, 0, 10]);
    const concepts: [boolean, number, number][] = [];
    signatures.forEachConcept(0, (...c) => concepts.push(c));
    expect(concepts).toEqual([
      [true, 0, 0.5019607843137255],
      [false, 1, 1],
    ]);
    expect(
      decodeSignatures(readModelPackage(dir).contents.get('training-signatures.bin')!),
    ).toEqual([
      {
        chunk: 0,
        start: 0,
        end: 10,
        known: [[0, 0.5019607843137255]],
        unknown: [[1, 1]],
        sequence: [],
      },
    ]);
    const bad = (signature: Parameters<typeof encodeSignatures>[0][0], message: RegExp) => {
      writePackage(dir, undefined, { 'training-signatures.bin': encodeSignatures([signature]) });
      expect(() => readModelPackage(dir)).toThrow(message);
    };
    bad(
      { chunk: 1, start: 0, end: 1, known: [], unknown: [], sequence: [] },
      /training-signatures\.bin: a segment names chunk 1; training-index\.jsonl has 1/,
    );
    bad(
      { chunk: 0, start: 0, end: 1, known: [[1, 0.5]], unknown: [], sequence: [] },
      /training-signatures\.bin: a concept id is outside the model/,
    );
    writePackage(dir, undefined, { 'training-signatures.bin': Buffer.alloc(RECORD_BYTES + 1) });
    expect(() => readModelPackage(dir)).toThrow(/training-signatures\.bin: .*not a whole number/);
  });

  it('refuses effect offsets, shapes or concept ids that do not match the layout', () => {
    writePackage(dir, (m) => (m.effects.unknownOffset = 8));
    expect(() => readModelPackage(dir)).toThrow(/manifest\.json: effects offsets must be 0 and 16/);
    writePackage(dir, (m) => (m.shapes = { ...shapes, dModel: 0 }));
    expect(() => readModelPackage(dir)).toThrow(/shapes\.dModel must be a positive integer/);
    writePackage(dir, undefined, {
      'concepts.json': JSON.stringify({ known: [{ id: 0 }], unknown: [{ id: 1 }, { id: 0 }] }),
    });
    expect(() => readModelPackage(dir)).toThrow(/concepts\.json: concept ids must equal/);
  });

  it('round-trips signatures through the binary records, largest weights first', () => {
    const segments: SegmentSignature[] = [
      {
        chunk: 3,
        start: 10,
        end: 99,
        known: [[5, 1]],
        unknown: [],
        sequence: [
          [0xfffffffe, 11.5],
          [conceptBigram(7, 9), 2.25],
        ],
      },
      { chunk: 4, start: 0, end: 7, known: [], unknown: [[300, 0.2]], sequence: [] },
    ];
    const decoded = decodeSignatures(encodeSignatures(segments));
    expect(decoded[0]).toEqual(segments[0]);
    expect(decoded[1].unknown[0][0]).toBe(300);
    expect(decoded[1].unknown[0][1]).toBeCloseTo(0.2, 2);
    expect(decoded[1].sequence).toEqual([]);
  });

  it('refuses a missing or unreadable manifest', () => {
    expect(() => readModelPackage(dir)).toThrow('manifest.json: missing');
    writeFileSync(join(dir, 'manifest.json'), '{ nope');
    expect(() => readModelPackage(dir)).toThrow(/manifest\.json: not JSON/);
  });

  it('tells concept bigrams apart by order and by either symbol', () => {
    const seen = new Set<number>();
    for (let a = 0; a < 300; a++) for (let b = 0; b < 300; b++) seen.add(conceptBigram(a, b));
    expect(seen.size).toBe(300 * 300);
    expect(conceptBigram(3, 4)).not.toBe(conceptBigram(4, 3));
    expect(seen.has(0)).toBe(false);
    expect([...conceptBigrams([1, 2, 1, 2])]).toEqual([conceptBigram(1, 2), conceptBigram(2, 1)]);
  });
});
