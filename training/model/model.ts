import { matMul, stopGradient, tf, topkMask } from 'training/model/tf';

const KNOWN_PRIOR_LOGIT = -4;

export interface ModelConfig {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  layers: number;
  heads: number;
  /** Known (named, supervised) concepts: the taxonomy's size. */
  knownConcepts: number;
  knownTopK: number;
  /** Unknown (unsupervised) concepts: at least 4× the known ones. */
  unknownConcepts: number;
  unknownTopK: number;
  seed: number;
}

/** Every trainable tensor, by a stable name (the ONNX initialisers and checkpoints use it). */
export type Params = Record<string, tf.Variable>;

/**
 * A small causal transformer whose final hidden state h is rewritten as known concepts + unknown
 * concepts + a residual ε, read by a tied, bias-free LM head, so every logit is exactly the sum
 * of its concept contributions and ε's (Steerling's concept layer; MODEL-NOTES §1.2, §4.2).
 */
export function initParams(config: ModelConfig): Params {
  const { vocabSize: V, contextLength: T, dModel: d, layers, knownConcepts: n } = config;
  const m = config.unknownConcepts;
  if (m < 4 * n) throw new Error('unknownConcepts must be at least 4× knownConcepts');
  if (d % config.heads !== 0) throw new Error('dModel must be a multiple of heads');
  let seed = config.seed;
  const normal = (shape: number[], std: number) =>
    tf.variable(tf.randomNormal(shape, 0, std, 'float32', seed++));
  const ones = (shape: number[]) => tf.variable(tf.ones(shape));
  const zeros = (shape: number[]) => tf.variable(tf.zeros(shape));
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * layers);
  const params: Params = {
    tokenEmbedding: normal([V, d], std),
    positionEmbedding: normal([T, d], std),
    finalNorm: ones([d]),
    knownWeight: normal([d, n], std),
    // Concepts are rare: start every detector at p ≈ 0.02 rather than 0.5 (prior initialisation).
    knownBias: tf.variable(tf.fill([n], KNOWN_PRIOR_LOGIT)),
    knownEmbedding: normal([n, d], std),
    unknownWeight: normal([d, m], std),
    unknownBias: zeros([m]),
    unknownEmbedding: normal([m, d], std),
  };
  for (let l = 0; l < layers; l++) {
    Object.assign(params, {
      [`l${l}.attnNorm`]: ones([d]),
      // Separate Q, K, V: the gradient of split on 5-D tensors is slow on wasm (trap 2).
      [`l${l}.wq`]: normal([d, d], std),
      [`l${l}.wk`]: normal([d, d], std),
      [`l${l}.wv`]: normal([d, d], std),
      [`l${l}.wo`]: normal([d, d], residualStd),
      [`l${l}.ffnNorm`]: ones([d]),
      [`l${l}.w1`]: normal([d, 4 * d], std),
      [`l${l}.w2`]: normal([4 * d, d], residualStd),
    });
  }
  return params;
}

export interface ForwardOutput {
  /** [B·T, d] final hidden state. */
  h: tf.Tensor2D;
  /** [B·T, n] and [B·T, m] concept weights after top-k (zeros elsewhere). */
  knownWeights: tf.Tensor2D;
  unknownWeights: tf.Tensor2D;
  /** [B·T, n] known-concept logits before the sigmoid (the supervision target). */
  knownLogits: tf.Tensor2D;
  knownPart: tf.Tensor2D;
  unknownPart: tf.Tensor2D;
  epsilon: tf.Tensor2D;
  /** [B·T, V] next-token logits from (known + unknown + ε) · E_tokᵀ. */
  logits: tf.Tensor2D;
}

const EPS = 1e-6;

export function rmsNorm(x: tf.Tensor2D, gain: tf.Tensor): tf.Tensor2D {
  const rms = tf.sqrt(tf.add(tf.mean(tf.square(x), -1, true), EPS));
  return tf.mul<tf.Tensor2D>(tf.div(x, rms), gain);
}

/**
 * The backbone: ids [B, T] → h [B·T, d]. The embedding lookup is oneHot·E (gather's gradient is
 * missing on wasm, trap 3); attention is causal with a -1e9 mask.
 */
export function backbone(params: Params, config: ModelConfig, ids: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = ids.shape;
  const d = config.dModel;
  const H = config.heads;
  const hd = d / H;
  const oneHot = tf.oneHot(tf.reshape<tf.Rank.R1>(ids, [B * T]), config.vocabSize);
  let x = matMul(tf.cast(oneHot, 'float32') as tf.Tensor2D, params.tokenEmbedding as tf.Tensor2D);
  const positions = params.positionEmbedding.slice([0, 0], [T, d]);
  x = tf.add(tf.reshape(x, [B, T, d]), positions).reshape([B * T, d]);
  const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0);
  const mask = tf.mul(tf.sub(1, causal), -1e9);
  for (let l = 0; l < config.layers; l++) {
    const p = (name: string) => params[`l${l}.${name}`] as tf.Tensor2D;
    const a = rmsNorm(x, p('attnNorm'));
    const heads = (w: tf.Tensor2D) =>
      tf.transpose(tf.reshape(matMul(a, w), [B, T, H, hd]), [0, 2, 1, 3]);
    const q = heads(p('wq'));
    const k = heads(p('wk'));
    const v = heads(p('wv'));
    const scores = tf.add(tf.div(tf.matMul(q, tf.transpose(k, [0, 1, 3, 2])), Math.sqrt(hd)), mask);
    const attended = tf.matMul(tf.softmax(scores), v);
    const merged = tf.reshape<tf.Rank.R2>(tf.transpose(attended, [0, 2, 1, 3]), [B * T, d]);
    x = tf.add(x, matMul(merged, p('wo')));
    const f = rmsNorm(x, p('ffnNorm'));
    const hidden = matMul(f, p('w1'));
    x = tf.add(x, matMul(tf.mul<tf.Tensor2D>(hidden, tf.sigmoid(hidden)), p('w2')));
  }
  return rmsNorm(x, params.finalNorm);
}

/** The concept layer and the LM head, at inference (no teacher forcing, no ε gating). */
export function conceptLayer(params: Params, config: ModelConfig, h: tf.Tensor2D): ForwardOutput {
  const knownLogits = tf.add<tf.Tensor2D>(
    matMul(h, params.knownWeight as tf.Tensor2D),
    params.knownBias,
  );
  const knownProbs = tf.sigmoid<tf.Tensor2D>(knownLogits);
  const knownWeights = tf.mul<tf.Tensor2D>(knownProbs, topkMask(knownProbs, config.knownTopK));
  // The unknown head reads a detached h: it explains what the known concepts leave, without
  // reshaping the backbone to suit itself.
  const unknownLogits = tf.add<tf.Tensor2D>(
    matMul(stopGradient(h), params.unknownWeight as tf.Tensor2D),
    params.unknownBias,
  );
  const unknownProbs = tf.sigmoid<tf.Tensor2D>(unknownLogits);
  const unknownWeights = tf.mul<tf.Tensor2D>(
    unknownProbs,
    topkMask(unknownProbs, config.unknownTopK),
  );
  const knownPart = matMul(knownWeights, params.knownEmbedding as tf.Tensor2D);
  const unknownPart = matMul(unknownWeights, params.unknownEmbedding as tf.Tensor2D);
  const epsilon = tf.sub<tf.Tensor2D>(tf.sub(h, knownPart), unknownPart);
  const composed = tf.add<tf.Tensor2D>(tf.add(knownPart, unknownPart), epsilon);
  const logits = matMul(composed, tf.transpose(params.tokenEmbedding) as tf.Tensor2D);
  return {
    h,
    knownWeights,
    unknownWeights,
    knownLogits,
    knownPart,
    unknownPart,
    epsilon,
    logits,
  };
}

export function forward(params: Params, config: ModelConfig, ids: tf.Tensor2D): ForwardOutput {
  return conceptLayer(params, config, backbone(params, config, ids));
}
