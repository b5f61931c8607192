import { backbone, ModelConfig, Params } from 'training/model/model';
import { matMul, stopGradient, tf, topkMask } from 'training/model/tf';
import { Batch } from 'training/train/data';

export interface ObjectiveSettings {
  /** False: the same backbone with a plain tied head (the interpretability-tax baseline). */
  conceptLayer: boolean;
  /** Share of tokens whose ε is switched off (no rescaling): predicted from concepts alone. */
  epsilonGateRate: number;
  /** Weight of the next-token loss of those tokens through known + unknown concepts alone. */
  conceptPathWeight: number;
  /** Weight of their next-token loss through the known (named) concepts alone. */
  knownPathWeight: number;
  /** Chance this step uses the ground-truth known part instead of the predicted one. */
  teacherForcing: number;
  /** Soft-OR BCE per chunk segment. */
  conceptWeight: number;
  /** BCE per position against the causal labels (a concept is on once its evidence is read). */
  positionConceptWeight: number;
  reconstructionWeight: number;
  independenceWeight: number;
  /** BCE weight of positive labels: concepts are rare per chunk. */
  positiveWeight: number;
  /**
   * Where the fixed log-unigram prior of the training split is added to logits predicted through
   * concepts alone: 'none' (version 1), 'known' (the named-only path) or 'both' (also the
   * known + unknown path). With it, a named row need not learn how common a token is.
   */
  frequencyPrior: 'none' | 'known' | 'both';
  /** Weight of the penalty on the direction the named rows share (their mean effect row). */
  sharedDirectionWeight: number;
  /**
   * The named-only path's targets: 0 (version 1) on gated tokens wherever a concept is on; N > 0
   * on every token within N tokens of a concept's evidence.
   */
  knownPathWindow: number;
}

export type LossParts = Record<
  | 'total'
  | 'lm'
  | 'conceptPath'
  | 'knownPath'
  | 'concept'
  | 'position'
  | 'reconstruction'
  | 'independence'
  | 'shared',
  tf.Scalar
>;

/** Mean next-token cross-entropy of rows of logits against one-hot targets. */
function crossEntropy(targets: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar {
  return tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(targets, logits);
}

/**
 * The training objective (MODEL-NOTES §4.4, with two changes said below).
 *
 * - Next-token cross-entropy of h on every token. At inference the concept layer adds up to h
 *   exactly (known + unknown + ε), so this is the loss of the model as served.
 * - ε-gating: on a seeded fraction of tokens, the next token is also predicted from the concept
 *   path alone (known + unknown, no ε, no rescaling), and from the known concepts alone. In
 *   MODEL-NOTES the gated tokens lose their loss through h; here they keep it, so the backbone
 *   learns from every token (the interpretability tax came mostly from that lost quarter), and
 *   the known-only term makes the named concepts carry prediction themselves rather than leave it
 *   all to the unnamed ones.
 * - Soft-OR BCE of the known concepts per chunk segment, and BCE per position against causal
 *   labels (on from the token that completes the evidence), so the detector is sharp where a
 *   reader would be.
 * - Reconstruction of h − known by the unknown part, and a capped known/unknown covariance penalty.
 *
 * `coin` and `gate` are drawn by the caller from the seeded generator, so a step is reproducible.
 */
export function objective(
  params: Params,
  config: ModelConfig,
  settings: ObjectiveSettings,
  batch: Batch,
  coin: number,
  gate: Float32Array,
  logPrior?: tf.Tensor1D,
): LossParts {
  const { batchSize: B, length: T } = batch;
  const n = config.knownConcepts;
  const N = B * T;
  const ids = tf.tensor2d(batch.inputs, [B, T], 'int32');
  const targets = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), config.vocabSize) as tf.Tensor2D;
  const h = backbone(params, config, ids);
  const tokenEmbeddingT = tf.transpose(params.tokenEmbedding) as tf.Tensor2D;
  const lm = crossEntropy(targets, matMul(h, tokenEmbeddingT));
  const zero = tf.scalar(0);
  if (!settings.conceptLayer) {
    return {
      total: lm,
      lm,
      conceptPath: zero,
      knownPath: zero,
      concept: zero,
      position: zero,
      reconstruction: zero,
      independence: zero,
      shared: zero,
    };
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
  const segments = tf
    .oneHot(tf.tensor1d(batch.segmentOf, 'int32'), batch.segments)
    .toFloat() as tf.Tensor2D;
  const segmentLabels = tf.tensor2d(batch.segmentLabels, [batch.segments, n]);
  const positionLabels = tf.tensor2d(batch.positionLabels, [N, n]);
  // The ground-truth known part follows the causal labels, so teacher forcing shows the model
  // what its own detector can know at each position.
  const truthPart = matMul(positionLabels, params.knownEmbedding as tf.Tensor2D);
  const knownUsed = coin < settings.teacherForcing ? truthPart : knownPart;

  // The gated tokens, picked by a one-hot selection (gather has no gradient on wasm).
  const gatedRows: number[] = [];
  gate.forEach((g, i) => {
    if (g === 0) gatedRows.push(i);
  });
  // Both concept-only predictions read a frozen token head: they teach the concept layer to
  // predict, without bending the token embeddings the served model reads and writes with.
  const frozenHead = stopGradient(tokenEmbeddingT);
  const withPrior = (logits: tf.Tensor2D, on: boolean): tf.Tensor2D =>
    on && logPrior ? tf.add<tf.Tensor2D>(logits, logPrior) : logits;
  const selection = (rows: number[]) =>
    tf.oneHot(tf.tensor1d(rows, 'int32'), N).toFloat() as tf.Tensor2D;
  const targetsOf = (rows: number[]) =>
    tf.oneHot(
      tf.tensor1d(
        rows.map((i) => batch.targets[i]),
        'int32',
      ),
      config.vocabSize,
    ) as tf.Tensor2D;
  let conceptPath = zero;
  if (gatedRows.length > 0) {
    const select = selection(gatedRows);
    const gatedConcepts = tf.add<tf.Tensor2D>(
      matMul(select, knownUsed),
      matMul(select, unknownPart),
    );
    conceptPath = crossEntropy(
      targetsOf(gatedRows),
      withPrior(matMul(gatedConcepts, frozenHead), settings.frequencyPrior === 'both'),
    );
  }
  // The named concepts alone, from the ground truth: this trains their embeddings only, so it
  // costs the served model nothing (its logits are h · E_tokᵀ).
  let knownPath = zero;
  const windowed = settings.knownPathWindow > 0;
  const knownRows = windowed
    ? Array.from({ length: N }, (_, i) => i).filter((i) =>
        batch.recentLabels.subarray(i * n, (i + 1) * n).some((v) => v === 1),
      )
    : gatedRows;
  if (knownRows.length > 0) {
    const labels = windowed ? tf.tensor2d(batch.recentLabels, [N, n]) : positionLabels;
    const select = selection(knownRows);
    const named = matMul(matMul(select, labels), params.knownEmbedding as tf.Tensor2D);
    knownPath = crossEntropy(
      targetsOf(knownRows),
      withPrior(matMul(named, frozenHead), settings.frequencyPrior !== 'none'),
    );
  }

  // The direction the named rows share: the energy of their mean effect row against the mean
  // energy of a row (1 when every row is the same, about 1/n when they are unrelated). Effect
  // rows are centred over the vocabulary, since a constant on every logit changes nothing.
  let shared = zero;
  if (settings.sharedDirectionWeight > 0) {
    const effects = matMul(params.knownEmbedding as tf.Tensor2D, frozenHead);
    const centred = tf.sub<tf.Tensor2D>(effects, tf.mean(effects, 1, true));
    const meanRow = tf.mean(centred, 0);
    shared = tf.div<tf.Scalar>(
      tf.sum(tf.square(meanRow)),
      tf.add(tf.div(tf.sum(tf.square(centred)), n), 1e-8),
    );
  }

  // Soft-OR per segment: P(concept somewhere in the chunk) = 1 − Π(1 − p_t), in log space, with
  // the sum scaled by 1/√length as in Steerling's package, so long segments do not swamp the
  // gradient (under global-norm clipping a huge concept loss would starve the LM loss).
  const logNot = tf.log<tf.Tensor2D>(tf.clipByValue(tf.sub(1, knownProbs), 1e-6, 1));
  const segmentLength = tf.sum(segments, 0).reshape([batch.segments, 1]);
  const segmentLogNot = tf.minimum(
    tf.div(matMul(tf.transpose<tf.Tensor2D>(segments), logNot), tf.sqrt(segmentLength)),
    -1e-6,
  );
  const logYes = tf.log(tf.clipByValue(tf.sub(1, tf.exp(segmentLogNot)), 1e-6, 1));
  const bce = tf.neg(
    tf.add(
      tf.mul(tf.mul(segmentLabels, logYes), settings.positiveWeight),
      tf.mul(tf.sub(1, segmentLabels), segmentLogNot),
    ),
  );
  const concept = tf.mean<tf.Scalar>(bce);
  const positionBce = tf.neg(
    tf.add(
      tf.mul(
        tf.mul(positionLabels, tf.log(tf.clipByValue(knownProbs, 1e-6, 1))),
        settings.positiveWeight,
      ),
      tf.mul(tf.sub(1, positionLabels), logNot),
    ),
  );
  const position = tf.mean<tf.Scalar>(positionBce);

  const reconstruction = tf.mean<tf.Scalar>(
    tf.square(tf.sub(unknownPart, stopGradient(tf.sub(h, truthPart)))),
  );

  const centre = (x: tf.Tensor2D) => tf.sub<tf.Tensor2D>(x, tf.mean(x, 0, true));
  const covariance = tf.div(
    matMul(tf.transpose<tf.Tensor2D>(centre(stopGradient(knownPart))), centre(unknownPart)),
    N - 1,
  );
  const d = config.dModel;
  const independence = tf.minimum<tf.Scalar>(tf.div(tf.sum(tf.square(covariance)), d * d), 1);

  const total = tf.addN<tf.Scalar>([
    lm,
    tf.mul(conceptPath, settings.conceptPathWeight),
    tf.mul(knownPath, settings.knownPathWeight),
    tf.mul(concept, settings.conceptWeight),
    tf.mul(position, settings.positionConceptWeight),
    tf.mul(reconstruction, settings.reconstructionWeight),
    tf.mul(independence, settings.independenceWeight),
    tf.mul(shared, settings.sharedDirectionWeight),
  ]);
  return {
    total,
    lm,
    conceptPath,
    knownPath,
    concept,
    position,
    reconstruction,
    independence,
    shared,
  };
}
