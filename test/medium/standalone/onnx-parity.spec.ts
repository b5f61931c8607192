/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import * as ort from 'onnxruntime-node';
import { exportOnnx } from 'training/export/onnx-export';
import { forward, initParams, ModelConfig, Params } from 'training/model/model';
import { tf, tfReady } from 'training/model/tf';

// The exported graph must compute what the training framework computes, and keep the model
// contract's invariants: exact completeness, exact steering, at most k concepts per position.

const config: ModelConfig = {
  vocabSize: 96,
  contextLength: 24,
  dModel: 32,
  layers: 2,
  heads: 4,
  knownConcepts: 12,
  knownTopK: 3,
  unknownConcepts: 48,
  unknownTopK: 6,
  seed: 11,
};
const B = 2;
const T = 10;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('ONNX export', () => {
  let params: Params;
  let session: ort.InferenceSession;
  const ids = Array.from({ length: B * T }, (_, i) => (i * 37 + 5) % config.vocabSize);
  const targets = ids.map((_, i) => ((i % T) + 1 < T ? ids[i + 1] : 0));
  const feeds = (overrides: Partial<Record<'known_keep' | 'known_value', Float32Array>> = {}) => ({
    input_ids: new ort.Tensor('int64', ids, [B, T]),
    target_ids: new ort.Tensor('int64', targets, [B, T]),
    known_keep: new ort.Tensor(
      'float32',
      overrides.known_keep ?? new Float32Array(config.knownConcepts).fill(1),
      [config.knownConcepts],
    ),
    known_value: new ort.Tensor(
      'float32',
      overrides.known_value ?? new Float32Array(config.knownConcepts),
      [config.knownConcepts],
    ),
    unknown_keep: new ort.Tensor('float32', new Float32Array(config.unknownConcepts).fill(1), [
      config.unknownConcepts,
    ]),
    unknown_value: new ort.Tensor('float32', new Float32Array(config.unknownConcepts), [
      config.unknownConcepts,
    ]),
  });
  const data = (r: ort.InferenceSession.ReturnType, name: string) => r[name].data as Float32Array;

  beforeAll(async () => {
    await tfReady();
    params = initParams(config);
    // Spread the concept biases so that some concepts are clearly on and others off.
    params.knownBias.assign(tf.linspace(-2, 2, config.knownConcepts));
    session = await ort.InferenceSession.create(exportOnnx(params, config), {
      intraOpNumThreads: 1,
    });
  });

  it('matches the tfjs forward pass on every output (max abs error < 1e-4)', async () => {
    const r = await session.run(feeds());
    const out = forward(params, config, tf.tensor2d(ids, [B, T], 'int32'));
    expect(maxAbsDiff(data(r, 'logits'), out.logits.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'hidden'), out.h.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'known_prob'), tf.sigmoid(out.knownLogits).dataSync())).toBeLessThan(
      1e-4,
    );
    expect(maxAbsDiff(data(r, 'known_w'), out.knownWeights.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'unknown_w'), out.unknownWeights.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'known_features'), out.knownPart.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'unknown_features'), out.unknownPart.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(data(r, 'eps'), out.epsilon.dataSync())).toBeLessThan(1e-4);
  });

  it('decomposes every target logit exactly, with at most k concepts active', async () => {
    const r = await session.run(feeds());
    const n = config.knownConcepts;
    const m = config.unknownConcepts;
    const logits = data(r, 'logits');
    for (let p = 0; p < B * T; p++) {
      const known = data(r, 'known_contrib').slice(p * n, (p + 1) * n);
      const unknown = data(r, 'unknown_contrib').slice(p * m, (p + 1) * m);
      const sum = [...known, ...unknown].reduce((a, b) => a + b, 0) + data(r, 'eps_contrib')[p];
      expect(Math.abs(sum - data(r, 'target_logit')[p])).toBeLessThan(1e-4);
      expect(
        Math.abs(data(r, 'target_logit')[p] - logits[p * config.vocabSize + targets[p]]),
      ).toBeLessThan(1e-4);
      const active = data(r, 'known_w')
        .slice(p * n, (p + 1) * n)
        .filter((w) => w !== 0).length;
      expect(active).toBeLessThanOrEqual(config.knownTopK);
    }
  });

  it('moves every logit by exactly weight × effect when a concept is suppressed, ε unchanged', async () => {
    const base = await session.run(feeds());
    const knownW = data(base, 'known_w');
    const n = config.knownConcepts;
    let concept = 0;
    for (let i = 1; i < n; i++) if (knownW[i] > knownW[concept]) concept = i;
    const keep = new Float32Array(n).fill(1);
    keep[concept] = 0;
    const steered = await session.run(feeds({ known_keep: keep }));
    expect(maxAbsDiff(data(steered, 'eps'), data(base, 'eps'))).toBe(0);
    const E = params.tokenEmbedding.arraySync() as number[][];
    const Ek = params.knownEmbedding.arraySync() as number[][];
    const w = knownW[concept];
    expect(w).toBeGreaterThan(0);
    let worst = 0;
    for (let v = 0; v < config.vocabSize; v++) {
      const effect = Ek[concept].reduce((s, x, j) => s + x * E[v][j], 0);
      const moved = data(steered, 'logits')[v] - data(base, 'logits')[v];
      worst = Math.max(worst, Math.abs(moved + w * effect));
    }
    expect(worst).toBeLessThan(1e-4);
  });
});
