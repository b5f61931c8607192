import { backbone, ModelConfig, Params } from 'src/model-training/model/model';
import { matMul, stopGradient, tf, topkMask } from 'src/model-training/model/tf';
import { Batch } from 'src/model-training/train/data';

export interface ObjectiveSettings {
  /** False: the same backbone with a plain tied head (the interpretability-tax baseline). */
  conceptLayer: boolean;
  /** Share of tokens whose ε is switched off (no rescaling): predicted from concepts alone. */
  epsilonGateRate: number;
  /** Chance this step uses the ground-truth known part instead of the predicted one. */
  teacherForcing: number;
  conceptWeight: number;
  reconstructionWeight: number;
  independenceWeight: number;
  /** BCE weight of positive labels: concepts are rare per chunk. */
  positiveWeight: number;
}

export type LossParts = Record<
  'total' | 'lm' | 'concept' | 'reconstruction' | 'independence',
  tf.Scalar
>;

/**
 * The training objective (MODEL-NOTES §4.4): next-token cross-entropy through the concept layer,
 * soft-OR BCE of the known concepts per chunk segment, reconstruction of h − known by the unknown
 * part, and a capped known/unknown covariance penalty. `coin` and `gate` are drawn by the caller
 * from the seeded generator, so a step is reproducible.
 */
export function objective(
  params: Params,
  config: ModelConfig,
  settings: ObjectiveSettings,
  batch: Batch,
  coin: number,
  gate: Float32Array,
): LossParts {
  const { batchSize: B, length: T } = batch;
  const n = config.knownConcepts;
  const ids = tf.tensor2d(batch.inputs, [B, T], 'int32');
  const targets = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), config.vocabSize);
  const h = backbone(params, config, ids);
  const tokenEmbeddingT = tf.transpose(params.tokenEmbedding) as tf.Tensor2D;
  const zero = tf.scalar(0);
  if (!settings.conceptLayer) {
    const lm = tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
      targets,
      matMul(h, tokenEmbeddingT),
    );
    return { total: lm, lm, concept: zero, reconstruction: zero, independence: zero };
  }
  const knownLogits = tf.add<tf.Tensor2D>(
    matMul(h, params.knownWeight as tf.Tensor2D),
    params.knownBias,
  );
  const knownProbs = tf.sigmoid<tf.Tensor2D>(knownLogits);
  const knownPart = matMul(
    tf.mul<tf.Tensor2D>(knownProbs, topkMask(knownProbs, config.knownTopK)),
    params.knownEmbedding as tf.Tensor2D,
  );
  const unknownProbs = tf.sigmoid<tf.Tensor2D>(
    tf.add(matMul(stopGradient(h), params.unknownWeight as tf.Tensor2D), params.unknownBias),
  );
  const unknownPart = matMul(
    tf.mul<tf.Tensor2D>(unknownProbs, topkMask(unknownProbs, config.unknownTopK)),
    params.unknownEmbedding as tf.Tensor2D,
  );
  // Per position: which segment (chunk within a window) it belongs to, and that chunk's labels.
  const segments = tf
    .oneHot(tf.tensor1d(batch.segmentOf, 'int32'), batch.segments)
    .toFloat() as tf.Tensor2D;
  const segmentLabels = tf.tensor2d(batch.segmentLabels, [batch.segments, n]);
  const positionLabels = matMul(segments, segmentLabels);
  const truthPart = matMul(positionLabels, params.knownEmbedding as tf.Tensor2D);
  const knownUsed = coin < settings.teacherForcing ? truthPart : knownPart;
  const epsilon = tf.sub(tf.sub(h, knownUsed), unknownPart);
  const gated = tf.mul(epsilon, tf.tensor2d(gate, [B * T, 1]));
  const composed = tf.add<tf.Tensor2D>(tf.add(knownUsed, unknownPart), gated);
  const lm = tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
    targets,
    matMul(composed, tokenEmbeddingT),
  );

  // Soft-OR per segment: P(concept somewhere in the chunk) = 1 − Π(1 − p_t), in log space.
  const logNot = tf.log<tf.Tensor2D>(tf.clipByValue(tf.sub(1, knownProbs), 1e-6, 1));
  const segmentLogNot = tf.minimum(matMul(tf.transpose<tf.Tensor2D>(segments), logNot), -1e-6);
  const logYes = tf.log(tf.clipByValue(tf.sub(1, tf.exp(segmentLogNot)), 1e-6, 1));
  const bce = tf.neg(
    tf.add(
      tf.mul(tf.mul(segmentLabels, logYes), settings.positiveWeight),
      tf.mul(tf.sub(1, segmentLabels), segmentLogNot),
    ),
  );
  const concept = tf.mean<tf.Scalar>(bce);

  const reconstruction = tf.mean<tf.Scalar>(
    tf.square(tf.sub(unknownPart, stopGradient(tf.sub(h, truthPart)))),
  );

  const N = B * T;
  const centre = (x: tf.Tensor2D) => tf.sub<tf.Tensor2D>(x, tf.mean(x, 0, true));
  const covariance = tf.div(
    matMul(tf.transpose<tf.Tensor2D>(centre(stopGradient(knownPart))), centre(unknownPart)),
    N - 1,
  );
  const d = config.dModel;
  const independence = tf.minimum<tf.Scalar>(tf.div(tf.sum(tf.square(covariance)), d * d), 1);

  const total = tf.addN<tf.Scalar>([
    lm,
    tf.mul(concept, settings.conceptWeight),
    tf.mul(reconstruction, settings.reconstructionWeight),
    tf.mul(independence, settings.independenceWeight),
  ]);
  return { total, lm, concept, reconstruction, independence };
}
