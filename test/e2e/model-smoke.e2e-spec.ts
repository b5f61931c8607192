/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelPackageError, readModelPackage } from 'src/model-package/model-package';
import { decodeSignatures } from 'src/model-package/signatures';
import { forward, initParams, ModelConfig } from 'training/model/model';
import { tf, tfReady } from 'training/model/tf';
import { Tokenizer, TokenizerData } from 'src/model-package/tokenizer';
import { loadParams } from 'training/train/checkpoint';

// The smoke configuration end to end, as CI runs it: corpus, tokenizer, labels, training,
// package; then the package is checked the way the runtime will check it, and the exported
// graph is compared with the trained tfjs model on real text.

const ROOT = join(__dirname, '..', '..');
const node = (script: string, args: string[]) =>
  execFileSync(process.execPath, ['-r', '@swc-node/register', script, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 290_000,
  }).toString();

describe('the smoke model, trained and packaged', () => {
  const work = mkdtempSync(join(tmpdir(), 'model-smoke-'));
  const runDir = join(work, 'run');
  const store = join(work, 'store');
  const packageDir = join(store, 'audit-lm-smoke', '0.1.0');
  let summary: { step: number; heldOutPerplexity: number; model: ModelConfig };

  beforeAll(async () => {
    await tfReady();
    const out = node('training/train/train.cli.ts', ['--config', 'smoke', '--run', runDir]);
    summary = JSON.parse(out.trim().split('\n').pop() ?? '{}') as typeof summary;
    node('training/export/package.cli.ts', ['--config', 'smoke', '--run', runDir, '--out', store]);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('trains every step and learns something (held-out perplexity well under the vocabulary size)', () => {
    expect(summary.step).toBe(120);
    expect(summary.heldOutPerplexity).toBeLessThan(summary.model.vocabSize / 1.5);
  });

  it('writes a package whose manifest hashes match, and refuses a tampered file by name', () => {
    const { manifest, contents } = readModelPackage(packageDir);
    const segments = decodeSignatures(contents.get('training-signatures.bin')!);
    expect(Object.keys(manifest.files).sort()).toEqual(
      [
        'MODEL_CARD.md',
        'concepts.json',
        'effects.bin',
        'model.onnx',
        'source-concepts.json',
        'tokenizer.json',
        'training-index.jsonl',
        'training-signatures.bin',
      ].sort(),
    );
    // Every training chunk is indexed with its provenance; the source shares of a concept add up.
    const index = readFileSync(join(packageDir, 'training-index.jsonl'), 'utf8').trim().split('\n');
    const first = JSON.parse(index[0]) as { chunk: string; sha256: string; start: number };
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Each chunk's paragraphs carry signatures, with spans inside their chunk's span.
    const chunks = index.map((line) => JSON.parse(line) as { start: number; end: number });
    expect(segments.length).toBeGreaterThanOrEqual(chunks.length);
    expect(new Set(segments.map((s) => s.chunk)).size).toBeGreaterThan(chunks.length * 0.95);
    for (const s of segments) {
      expect(s.start).toBeGreaterThanOrEqual(chunks[s.chunk].start);
      expect(s.end).toBeLessThanOrEqual(chunks[s.chunk].end);
      expect(s.unknown.length).toBeGreaterThan(0);
    }
    const shares = JSON.parse(readFileSync(join(packageDir, 'source-concepts.json'), 'utf8')) as {
      sources: string[];
      unknown: number[][];
    };
    expect(shares.sources).toEqual(['factbook', 'sotu', 'spdx', 'wordnet']);
    const column = shares.unknown.reduce((sum, row) => sum + row[0], 0);
    expect(column === 0 || Math.abs(column - 1) < 1e-3).toBe(true);
    expect(manifest.canaries).toHaveLength(4);
    expect(manifest.sources).toHaveLength(4);
    const copy = join(work, 'tampered');
    cpSync(packageDir, copy, { recursive: true });
    const onnx = readFileSync(join(copy, 'model.onnx'));
    onnx[onnx.length - 10] ^= 0xff;
    writeFileSync(join(copy, 'model.onnx'), onnx);
    expect(() => readModelPackage(copy)).toThrow(ModelPackageError);
    expect(() => readModelPackage(copy)).toThrow(/model\.onnx: SHA-256/);
  });

  it('runs in onnxruntime exactly as the trained tfjs model, on real text', async () => {
    const model = summary.model;
    const params = initParams(model);
    loadParams(runDir, params);
    const tokenizer = new Tokenizer(
      JSON.parse(readFileSync(join(packageDir, 'tokenizer.json'), 'utf8')) as TokenizerData,
    );
    const ids = [
      1,
      ...tokenizer.encode(
        'The Treasury will issue bonds to pay for the canal, and the Congress will act.',
      ),
    ].slice(0, model.contextLength);
    const T = ids.length;
    const targets = [...ids.slice(1), 0];
    const session = await ort.InferenceSession.create(join(packageDir, 'model.onnx'));
    const r = await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]),
      target_ids: new ort.Tensor('int64', BigInt64Array.from(targets.map(BigInt)), [1, T]),
      known_keep: new ort.Tensor('float32', new Float32Array(model.knownConcepts).fill(1), [
        model.knownConcepts,
      ]),
      known_value: new ort.Tensor('float32', new Float32Array(model.knownConcepts), [
        model.knownConcepts,
      ]),
      unknown_keep: new ort.Tensor('float32', new Float32Array(model.unknownConcepts).fill(1), [
        model.unknownConcepts,
      ]),
      unknown_value: new ort.Tensor('float32', new Float32Array(model.unknownConcepts), [
        model.unknownConcepts,
      ]),
    });
    const out = forward(params, model, tf.tensor2d([ids], [1, T], 'int32'));
    const worst = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let w = 0;
      for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
      return w;
    };
    const f = (name: string) => r[name].data as Float32Array;
    expect(worst(f('logits'), out.logits.dataSync())).toBeLessThan(1e-4);
    expect(worst(f('known_w'), out.knownWeights.dataSync())).toBeLessThan(1e-4);
    expect(worst(f('unknown_w'), out.unknownWeights.dataSync())).toBeLessThan(1e-4);
    expect(worst(f('eps'), out.epsilon.dataSync())).toBeLessThan(1e-4);
    const n = model.knownConcepts;
    const m = model.unknownConcepts;
    for (let t = 0; t < T; t++) {
      const sum =
        f('known_contrib')
          .slice(t * n, (t + 1) * n)
          .reduce((a, b) => a + b, 0) +
        f('unknown_contrib')
          .slice(t * m, (t + 1) * m)
          .reduce((a, b) => a + b, 0) +
        f('eps_contrib')[t];
      expect(Math.abs(sum - f('target_logit')[t])).toBeLessThan(1e-4);
    }
  });
});
