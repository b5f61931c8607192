import { forward, initParams, ModelConfig } from 'training/model/model';
import { tf, tfReady } from 'training/model/tf';

const config: ModelConfig = {
  vocabSize: 64,
  contextLength: 16,
  dModel: 32,
  layers: 2,
  heads: 4,
  knownConcepts: 8,
  knownTopK: 3,
  unknownConcepts: 32,
  unknownTopK: 5,
  seed: 7,
};

describe('the concept-bottleneck model', () => {
  beforeAll(() => tfReady());

  it('decomposes every logit exactly into concept and ε contributions', () => {
    const params = initParams(config);
    const ids = tf.tensor2d([[1, 5, 9, 2, 33, 60, 4, 7]], [1, 8], 'int32');
    const out = forward(params, config, ids);
    const E = params.tokenEmbedding.arraySync() as number[][];
    const Ek = params.knownEmbedding.arraySync() as number[][];
    const Eu = params.unknownEmbedding.arraySync() as number[][];
    const wk = out.knownWeights.arraySync();
    const wu = out.unknownWeights.arraySync();
    const eps = out.epsilon.arraySync();
    const logits = out.logits.arraySync();
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
    let worst = 0;
    for (let t = 0; t < 8; t++) {
      for (let v = 0; v < config.vocabSize; v++) {
        let sum = dot(eps[t], E[v]);
        wk[t].forEach((w, i) => (sum += w * dot(Ek[i], E[v])));
        wu[t].forEach((w, j) => (sum += w * dot(Eu[j], E[v])));
        worst = Math.max(worst, Math.abs(sum - logits[t][v]));
      }
    }
    expect(worst).toBeLessThan(1e-4);
  });

  it('keeps at most top-k concepts active per token, and is causal', () => {
    const params = initParams(config);
    const a = forward(params, config, tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'));
    const b = forward(params, config, tf.tensor2d([[1, 2, 3, 9]], [1, 4], 'int32'));
    for (const row of a.knownWeights.arraySync()) {
      expect(row.filter((w) => w !== 0).length).toBeLessThanOrEqual(config.knownTopK);
    }
    for (const row of a.unknownWeights.arraySync()) {
      expect(row.filter((w) => w !== 0).length).toBeLessThanOrEqual(config.unknownTopK);
    }
    // Changing the last token changes nothing before it.
    const la = a.logits.arraySync();
    const lb = b.logits.arraySync();
    for (let t = 0; t < 3; t++) {
      expect(Math.max(...la[t].map((x, v) => Math.abs(x - lb[t][v])))).toBeLessThan(1e-6);
    }
    expect(Math.max(...la[3].map((x, v) => Math.abs(x - lb[3][v])))).toBeGreaterThan(1e-4);
  });

  it('initialises deterministically from its seed', () => {
    const x = initParams(config).tokenEmbedding.arraySync();
    const y = initParams(config).tokenEmbedding.arraySync();
    const z = initParams({ ...config, seed: 8 }).tokenEmbedding.arraySync();
    expect(x).toEqual(y);
    expect(x).not.toEqual(z);
  });

  it('passes gradients to the backbone through the known concepts but not the unknown head', () => {
    const params = initParams(config);
    const ids = tf.tensor2d([[3, 1, 4, 1, 5]], [1, 5], 'int32');
    const grads = tf.variableGrads(() => {
      const out = forward(params, config, ids);
      return tf.sum<tf.Scalar>(out.unknownPart);
    }).grads;
    // The unknown head learns, the backbone does not (h is detached on that path).
    // variableGrads keys gradients by the variables' own (generated) names.
    expect(tf.sum(tf.abs(grads[params.unknownWeight.name])).arraySync()).toBeGreaterThan(0);
    const backboneGrad = grads[params['l0.wq'].name] as tf.Tensor | null | undefined;
    expect(backboneGrad ? tf.sum(tf.abs(backboneGrad)).arraySync() : 0).toBe(0);
    const known = tf.variableGrads(() =>
      tf.sum<tf.Scalar>(forward(params, config, ids).knownPart),
    ).grads;
    expect(tf.sum(tf.abs(known[params['l0.wq'].name])).arraySync()).toBeGreaterThan(0);
  });
});
