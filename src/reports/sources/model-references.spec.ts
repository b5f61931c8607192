import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { AppConfig } from 'src/config/app-config';
import { ModelReferenceError, ModelReferences, TRAINING_TEXT_FILE } from './model-references';

const SOURCE = join('model-store', 'audit-lm-full', '1.1.0');
const FILES = [
  'manifest.json',
  'concepts.json',
  'training-index.jsonl',
  'MODEL_CARD.md',
  TRAINING_TEXT_FILE,
];

// What a report reads of the model a record names: checked file by file against the manifest,
// and the manifest against the hash the record states; training text against the index.
describe('ModelReferences', () => {
  let store: string;
  let dir: string;
  let identity: { name: string; version: string; manifestSha256: string };

  beforeEach(() => {
    store = mkdtempSync(join(tmpdir(), 'model-refs-'));
    dir = join(store, 'audit-lm-full', '1.1.0');
    mkdirSync(dir, { recursive: true });
    for (const file of FILES) copyFileSync(join(SOURCE, file), join(dir, file));
    const manifest = readFileSync(join(dir, 'manifest.json'));
    identity = {
      name: 'audit-lm-full',
      version: '1.1.0',
      manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    };
  });
  afterEach(() => rmSync(store, { recursive: true, force: true }));

  const references = () => new ModelReferences({ MODEL_STORE_DIR: store } as AppConfig);

  it('reads the dictionary, base rates and training text of the package a record names', () => {
    const model = references().get(identity);
    expect(model.concepts['health.medication'].name).toBe('Medication and medical drugs');
    const rates = Object.values(model.baseRates);
    expect(rates.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(model.baseRates.sotu).toBeCloseTo(12260 / 27441, 9);
    expect(model.chunkText('sotu/1900_william_mc_kinley_r#0')).toMatch(/^To the Senate and House/);
    expect(model.chunkText('no/such#chunk')).toBeNull();
  });

  it('refuses a package whose manifest is not the one the record names', () => {
    expect(() => references().get({ ...identity, manifestSha256: '0'.repeat(64) })).toThrow(
      ModelReferenceError,
    );
  });

  it('refuses a dictionary changed after packaging', () => {
    const path = join(dir, 'concepts.json');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('Medication and medical drugs', 'Vitamins'),
    );
    expect(() => references().get(identity)).toThrow(/concepts.json does not match/);
  });

  it('finds a chunk whose line spells its id with escapes or lists its members in another order', () => {
    const path = join(dir, TRAINING_TEXT_FILE);
    const lines = gunzipSync(readFileSync(path)).toString('utf8').split('\n');
    const first = JSON.parse(lines[0]) as { chunk: string; text: string };
    const second = JSON.parse(lines[1]) as { chunk: string; text: string };
    expect(first.chunk).toBe('sotu/1900_william_mc_kinley_r#0');
    // The same id with an escaped solidus and the '#' as a \u escape: equal once parsed.
    lines[0] = lines[0].replace(
      '"chunk":"sotu/1900_william_mc_kinley_r#0"',
      '"chunk":"sotu\\/1900_william_mc_kinley_r\\u00230"',
    );
    lines[1] = JSON.stringify({ text: second.text, chunk: second.chunk });
    writeFileSync(path, gzipSync(Buffer.from(lines.join('\n'))));
    const model = references().get(identity);
    expect(model.chunkText(first.chunk)).toBe(first.text);
    expect(model.chunkText(second.chunk)).toBe(second.text);
  });

  it('refuses training text that does not match the index', () => {
    const path = join(dir, TRAINING_TEXT_FILE);
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    writeFileSync(
      path,
      gzipSync(Buffer.from(text.replace('To the Senate and House', 'To the Senate or House'))),
    );
    const model = references().get(identity);
    expect(() => model.chunkText('sotu/1900_william_mc_kinley_r#0')).toThrow(
      /does not match its SHA-256/,
    );
  });
});
