import { matMul, stopGradient, tf } from 'training/model/tf';
import { TokenStream } from 'training/train/data';
import { AdamW } from 'training/train/optimizer';

/**
 * The named rows' own objective, solved to convergence with everything else frozen.
 *
 * In training, a named concept's effect row learns only from the named-only path: at the tokens
 * within `window` of the concept's evidence, the next token is predicted from the fixed
 * log-unigram prior plus the rows of the concepts on there (labels · E_known · E_tokᵀ). That loss
 * depends on nothing but the labels, the targets, the token embeddings and the rows themselves,
 * and the served logits (h · E_tokᵀ) do not depend on the rows at all. In the long run the rows
 * end far from the optimum of that loss (a row's largest effect is 0.7 logits, median: a row
 * learns at the positions within its window only, under a gradient clipped with the whole
 * model's, while the token embeddings move under it), so the problem is solved again here on
 * the whole training stream, with the token embeddings fixed.
 *
 * The stream's positions are grouped by the set of concepts on at them: the loss is a sum over
 * distinct sets of (positions · logsumexp − Σ target counts · logit), so one pass over the sets is
 * one pass over every position, and the optimisation is deterministic.
 */
export interface NamedRowProblem {
  vocabSize: number;
  knownConcepts: number;
  /** Each distinct set of concepts on at some position, with its next tokens and their counts. */
  sets: { concepts: number[]; positions: number; targets: Map<number, number> }[];
  /** Positions counted (those with at least one concept on: within the window, or at evidence). */
  positions: number;
}

/**
 * Groups the stream's positions by the concepts on at them: those whose evidence is within
 * `window` tokens before (the words that follow a concept's evidence), and, with `atEvidence`,
 * those whose evidence begins at the next token (the concept's own words: "football" for sports,
 * which the first window never has as a target unless it is said twice).
 */
export function namedRowProblem(
  stream: TokenStream,
  knownConcepts: number,
  vocabSize: number,
  window: number,
  atEvidence = false,
): NamedRowProblem {
  const byKey = new Map<string, NamedRowProblem['sets'][number]>();
  let positions = 0;
  for (let i = 0; i + 1 < stream.tokens.length; i++) {
    const place = stream.placeOf[i];
    const { labels, onsets } = stream.chunks[stream.chunkOf[i]];
    const on = labels.filter((_, k) => place >= onsets[k] && place - onsets[k] < window);
    if (atEvidence) {
      // The next token's chunk: a chunk's first token is read from the [EOC] or [BOS] before it.
      const next = stream.chunks[stream.chunkOf[i + 1]];
      const nextPlace = stream.placeOf[i + 1];
      next.labels.forEach((c, k) => {
        if (next.starts?.[k].includes(nextPlace) && !on.includes(c)) on.push(c);
      });
      on.sort((a, b) => a - b);
    }
    if (on.length === 0) continue;
    // The next token of the stream, as in sampleBatch (a chunk's last token is followed by [EOC]).
    const target = stream.tokens[i + 1];
    const key = on.join(',');
    let set = byKey.get(key);
    if (!set) {
      set = { concepts: on, positions: 0, targets: new Map() };
      byKey.set(key, set);
    }
    set.positions++;
    set.targets.set(target, (set.targets.get(target) ?? 0) + 1);
    positions++;
  }
  // A fixed order (by key), so the batches and the result do not depend on the stream's order.
  const sets = [...byKey.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([, s]) => s);
  return { vocabSize, knownConcepts, sets, positions };
}

export interface RefitSettings {
  /** Passes over every distinct set. */
  epochs: number;
  /** Distinct sets per step. */
  batchSets: number;
  learningRate: number;
  /** Weight of the shared-direction penalty, as in training (`sharedDirectionWeight`). */
  sharedDirectionWeight: number;
  /**
   * Scale (in logits) of a Gaussian prior on every effect a row has on a token: the penalty
   * Σ effect² / (2 · scale² · positions) keeps a concept seen at few positions from growing a
   * huge row that no data asks for (Adam moves every row at the same pace, seen or not).
   */
  effectPriorScale: number;
}

export interface RefitResult {
  rows: Float32Array;
  /** Mean cross-entropy per position (nats) of the named-only path, before and after. */
  lossBefore: number;
  lossAfter: number;
  /** The shared-direction penalty before and after (1: every row the same; about 1/n: unrelated). */
  sharedBefore: number;
  sharedAfter: number;
  /** The effect prior's penalty before and after. */
  priorBefore: number;
  priorAfter: number;
  steps: number;
}

/** One batch of sets as dense tensors: the multi-hot concepts, positions and target counts. */
function batchTensors(problem: NamedRowProblem, from: number, to: number) {
  const { knownConcepts: n, vocabSize: V } = problem;
  const members = problem.sets.slice(from, to);
  const labels = new Float32Array(members.length * n);
  const counts = new Float32Array(members.length * V);
  const positions = new Float32Array(members.length);
  members.forEach((s, j) => {
    for (const c of s.concepts) labels[j * n + c] = 1;
    for (const [v, count] of s.targets) counts[j * V + v] = count;
    positions[j] = s.positions;
  });
  return {
    labels: tf.tensor2d(labels, [members.length, n]),
    counts: tf.tensor2d(counts, [members.length, V]),
    positions: tf.tensor1d(positions),
  };
}

/** Σ over the batch's positions of the named-only path's cross-entropy. */
function batchLoss(
  rows: tf.Tensor2D,
  headT: tf.Tensor2D,
  logPrior: tf.Tensor1D,
  batch: ReturnType<typeof batchTensors>,
): tf.Scalar {
  const logits = tf.add<tf.Tensor2D>(matMul(matMul(batch.labels, rows), headT), logPrior);
  const lse = tf.logSumExp(logits, 1);
  return tf.sub<tf.Scalar>(
    tf.sum(tf.mul(lse, batch.positions)),
    tf.sum(tf.mul(logits, batch.counts)),
  );
}

/** The training objective's shared-direction penalty on the named rows' centred effects. */
function sharedDirection(effects: tf.Tensor2D): tf.Scalar {
  const centred = tf.sub<tf.Tensor2D>(effects, tf.mean(effects, 1, true));
  const meanRow = tf.mean(centred, 0);
  return tf.div<tf.Scalar>(
    tf.sum(tf.square(meanRow)),
    tf.add(tf.div(tf.sum(tf.square(centred)), effects.shape[0]), 1e-8),
  );
}

/**
 * Minimises the named-only path's cross-entropy over every position (plus the shared-direction
 * penalty and the effect prior) in the named rows alone, from `start`. `tokenEmbedding` and
 * `logPrior` stay fixed.
 */
export function refitNamedRows(
  problem: NamedRowProblem,
  start: Float32Array,
  tokenEmbedding: tf.Tensor2D,
  logPrior: tf.Tensor1D,
  settings: RefitSettings,
  progress?: (line: string) => void,
): RefitResult {
  const n = problem.knownConcepts;
  const d = tokenEmbedding.shape[1];
  const rows = tf.variable(tf.tensor2d(start, [n, d]), true, 'knownEmbedding');
  const headT = stopGradient(tf.transpose<tf.Tensor2D>(tokenEmbedding));
  const batches: ReturnType<typeof batchTensors>[] = [];
  for (let from = 0; from < problem.sets.length; from += settings.batchSets) {
    batches.push(batchTensors(problem, from, from + settings.batchSets));
  }
  const totalSteps = settings.epochs * batches.length;
  const optimizer = new AdamW(
    { knownEmbedding: rows },
    {
      learningRate: settings.learningRate,
      minLearningRate: settings.learningRate / 20,
      warmupSteps: Math.min(50, Math.floor(totalSteps / 10)),
      totalSteps,
      weightDecay: 0,
      // The batches differ in size by orders of magnitude: Adam's normalisation is the scale.
      clipNorm: Infinity,
    },
  );
  const fullLoss = (): { ce: number; shared: number; prior: number } =>
    tf.tidy(() => {
      let sum = 0;
      for (const b of batches) sum += batchLoss(rows, headT, logPrior, b).dataSync()[0];
      const effects = matMul(rows, headT);
      return {
        ce: sum / problem.positions,
        shared: sharedDirection(effects).dataSync()[0],
        prior: prior(effects).dataSync()[0],
      };
    });
  const prior = (effects: tf.Tensor2D): tf.Scalar =>
    tf.div(tf.sum(tf.square(effects)), 2 * settings.effectPriorScale ** 2 * problem.positions);
  const before = fullLoss();
  progress?.(
    `named-only loss ${before.ce.toFixed(4)} nats, shared direction ${before.shared.toFixed(4)}, effect prior ${before.prior.toFixed(4)} at the start`,
  );
  let step = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    for (const b of batches) {
      // Each batch's loss per position of the whole problem, so a step weighs its sets by how
      // many positions they hold.
      const { grads, value } = tf.variableGrads(() => {
        const effects = matMul(rows, headT);
        return tf.addN<tf.Scalar>([
          tf.div(batchLoss(rows, headT, logPrior, b), problem.positions / batches.length),
          tf.mul(sharedDirection(effects), settings.sharedDirectionWeight),
          prior(effects),
        ]);
      }, [rows]);
      optimizer.apply({ knownEmbedding: grads[rows.name] }, step);
      tf.dispose([value, ...Object.values(grads)]);
      step++;
    }
    if ((epoch + 1) % Math.max(1, Math.floor(settings.epochs / 10)) === 0) {
      const now = fullLoss();
      progress?.(
        `epoch ${epoch + 1}/${settings.epochs}: named-only loss ${now.ce.toFixed(4)} nats, shared direction ${now.shared.toFixed(4)}, effect prior ${now.prior.toFixed(4)}`,
      );
    }
  }
  const after = fullLoss();
  const result: RefitResult = {
    rows: rows.dataSync() as Float32Array,
    lossBefore: before.ce,
    lossAfter: after.ce,
    sharedBefore: before.shared,
    sharedAfter: after.shared,
    priorBefore: before.prior,
    priorAfter: after.prior,
    steps: step,
  };
  tf.dispose([rows, headT, ...batches.flatMap((b) => [b.labels, b.counts, b.positions])]);
  Object.values(optimizer.m).forEach((t) => t.dispose());
  Object.values(optimizer.v).forEach((t) => t.dispose());
  return result;
}
