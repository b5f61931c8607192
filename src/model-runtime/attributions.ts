import {
  bigramIdf,
  conceptBigrams,
  conceptSymbol,
  SEQUENCE_SLOTS,
} from 'src/model-package/signatures';
import { ForwardOutputs } from 'src/model-runtime/forward';
import { bigramPlace, LoadedModel } from 'src/model-runtime/loaded-model';
import {
  AppliedSteering,
  calibratedScore,
  ConceptAttribution,
  ConceptShare,
  TrainingBaseline,
  TrainingChunkMatch,
  TrainingDataAttribution,
  WEAK_MATCH_BELOW,
} from 'src/evidence-format/attribution';
import { ContextEffect } from 'src/model-runtime/generation.types';

const TOP_CONCEPTS = 10;
const TOP_CHUNKS = 5;

interface ChunkScore {
  chunk: number;
  segment: number;
  score: number;
  conceptSimilarity: number;
  sequenceMatch: number;
}

export const TRAINING_DATA_INTERPRETATION =
  "Similarity between this text's concept use and each training chunk's concept signature, in " +
  "the model's own concept space (which concepts, and in which order), and each source's lift " +
  'for the concepts at work. It shows which training data the concepts at work are most like; ' +
  'it is not a measure of causal influence. Each match is read against the base rate (the ' +
  "text's scores with training chunks taken evenly across the index); one no clearer than " +
  'chance is flagged weak and is not evidence.';

/** log Σ exp(row − penalty), the normaliser of a (penalised) logit row. */
export function logSumExp(row: Float32Array, penalty?: Float32Array): number {
  let max = -Infinity;
  for (let v = 0; v < row.length; v++) max = Math.max(max, row[v] - (penalty?.[v] ?? 0));
  let sum = 0;
  for (let v = 0; v < row.length; v++) sum += Math.exp(row[v] - (penalty?.[v] ?? 0) - max);
  return max + Math.log(sum);
}

export function logitRow(out: ForwardOutputs, b: number, t: number, vocab: number): Float32Array {
  const start = (b * out.length + t) * vocab;
  return out.logits.subarray(start, start + vocab);
}

/**
 * Steerling's chunk attribution: at each position, every contribution's share of the position's
 * absolute mass (known + unknown + ε + the steering penalty), averaged over the chunk's
 * positions; the mean signed logit contribution beside it.
 */
export function conceptAttribution(
  model: LoadedModel,
  out: ForwardOutputs,
  positions: readonly number[],
  penalties: readonly number[],
  steering: readonly AppliedSteering[] = [],
): ConceptAttribution {
  const steered = new Map(steering.map((s) => [s.conceptId, s.mode]));
  const n = model.shapes.knownConcepts;
  const m = model.shapes.unknownConcepts;
  const knownShare = new Float64Array(n);
  const knownSum = new Float64Array(n);
  const unknownShare = new Float64Array(m);
  const unknownSum = new Float64Array(m);
  let epsShare = 0;
  let penaltyShare = 0;
  let penaltySum = 0;
  let used = 0;
  positions.forEach((t, i) => {
    const k = out.knownContrib.subarray(t * n, (t + 1) * n);
    const u = out.unknownContrib.subarray(t * m, (t + 1) * m);
    const eps = out.epsContrib[t];
    const penalty = penalties[i];
    let mass = Math.abs(eps) + Math.abs(penalty);
    for (const c of k) mass += Math.abs(c);
    for (const c of u) mass += Math.abs(c);
    if (mass === 0) return;
    used++;
    k.forEach((c, id) => {
      knownShare[id] += Math.abs(c) / mass;
      knownSum[id] += c;
    });
    u.forEach((c, id) => {
      unknownShare[id] += Math.abs(c) / mass;
      unknownSum[id] += c;
    });
    epsShare += Math.abs(eps) / mass;
    penaltyShare += Math.abs(penalty) / mass;
    penaltySum -= penalty;
  });
  // Each named concept's detection: its detector's highest probability where the chunk's tokens
  // were chosen (known_prob is read before the top-k mask and before steering).
  const detection = new Float64Array(n);
  for (const t of positions) {
    const p = out.knownProb.subarray(t * n, (t + 1) * n);
    p.forEach((v, id) => (detection[id] = Math.max(detection[id], v)));
  }
  const count = Math.max(1, used);
  const top = (share: Float64Array, sum: Float64Array, describe: (id: number) => object) =>
    Array.from(share, (s, id) => ({ id, s }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s || a.id - b.id)
      .slice(0, TOP_CONCEPTS)
      .map(({ id, s }): ConceptShare => ({
        id,
        ...describe(id),
        contribution: sum[id] / count,
        share: s / count,
      }));
  const total = (share: Float64Array) => share.reduce((a, b) => a + b, 0) / count;
  // The named share first: it says how far the named concepts below can explain the chunk.
  return {
    method: 'concept-decomposition',
    methodVersion: 3,
    knownShare: total(knownShare),
    unknownShare: total(unknownShare),
    epsilonShare: epsShare / count,
    steeringShare: penaltyShare / count,
    steeringPenalty: penaltySum / Math.max(1, positions.length),
    known: top(knownShare, knownSum, (id) => {
      const c = model.known[id];
      const mode = steered.get(id);
      return {
        key: c.key,
        name: c.name,
        group: c.group,
        ...(mode ? { steered: mode } : {}),
        detection: detection[id],
      };
    }),
    unknown: top(unknownShare, unknownSum, (id) => ({
      topTokens: model.unknown[id].topTokens.slice(0, 5),
    })),
  };
}

/** log-probability of each position's target: its (penalised) logit minus the normaliser. */
export function targetLogProbs(
  model: LoadedModel,
  out: ForwardOutputs,
  row: number,
  positions: readonly number[],
  targets: readonly number[],
  penalty: Float32Array | undefined,
): number[] {
  const V = model.shapes.vocabSize;
  return positions.map(
    (t, i) =>
      out.targetLogit[row * out.length + t] -
      (penalty?.[targets[i]] ?? 0) -
      logSumExp(logitRow(out, row, t, V), penalty),
  );
}

/**
 * Adds one masked run's effects to a chunk's leave-one-out scores: `masked` row r has prompt
 * token `first + r` replaced by [MASK]; each effect is the summed change of the chunk's target
 * logits, and log-probs, that masking caused (base − masked).
 */
export function addContextEffects(
  model: LoadedModel,
  effects: ContextEffect[],
  base: { logits: number[]; logProbs: number[] },
  masked: ForwardOutputs,
  first: number,
  positions: readonly number[],
  targets: readonly number[],
  penalty: Float32Array | undefined,
): void {
  for (let r = 0; r < masked.batch; r++) {
    const logProbs = targetLogProbs(model, masked, r, positions, targets, penalty);
    const effect = effects[first + r];
    positions.forEach((t, i) => {
      effect.logit += base.logits[i] - masked.targetLogit[r * masked.length + t];
      effect.logProb += base.logProbs[i] - logProbs[i];
    });
  }
}

/** Chunks in the base-rate sample (see trainingBaseline). */
export const BASELINE_CHUNKS = 512;

/**
 * The base rate of a text's scores: its scores against 512 training chunks spaced evenly over
 * the index (every chunk of a smaller one), their median and their highest. The top matches come
 * from all the chunks, so the best of a random sample is what chance alone reaches.
 */
export function trainingBaseline(
  chunkCount: number,
  scoreOf: (chunk: number) => number,
): TrainingBaseline {
  const count = Math.min(BASELINE_CHUNKS, chunkCount);
  const scores = Array.from({ length: count }, (_, i) =>
    scoreOf(Math.floor(((i + 0.5) * chunkCount) / count)),
  ).sort((a, b) => a - b);
  if (count === 0) return { sampledChunks: 0, median: 0, ceiling: 0 };
  const middle = count >> 1;
  const median = count % 2 ? scores[middle] : (scores[middle - 1] + scores[middle]) / 2;
  return { sampledChunks: count, median, ceiling: scores[count - 1] };
}

/** The chunk's mean concept weights (known then unknown), the query of training-data matching. */
function meanConceptWeights(
  model: LoadedModel,
  out: ForwardOutputs,
  positions: readonly number[],
): Float64Array {
  const n = model.shapes.knownConcepts;
  const m = model.shapes.unknownConcepts;
  const weights = new Float64Array(n + m);
  for (const t of positions) {
    for (let c = 0; c < n; c++) weights[c] += out.knownW[t * n + c];
    for (let c = 0; c < m; c++) weights[n + c] += out.unknownW[t * m + c];
  }
  const count = Math.max(1, positions.length);
  for (let i = 0; i < weights.length; i++) weights[i] /= count;
  return weights;
}

/** Source → share of the concept use, each concept's weight spread by its lift there. */
function sourceShares(model: LoadedModel, weights: Float64Array): Record<string, number> {
  const { index } = model;
  const mix = new Float64Array(index.sources.length);
  let mass = 0;
  weights.forEach((w, slot) => {
    if (w <= 0) return;
    index.sourceShares[slot].forEach((share, s) => (mix[s] += w * share));
    mass += w;
  });
  const mixTotal = mix.reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    index.sources.map((s, i) => [s, mixTotal > 0 && mass > 0 ? mix[i] / mixTotal : 0]),
  );
}

/**
 * Every training chunk's score against this text (chunks absent scored 0): its best paragraph's
 * mean of concept similarity (cosine of idf-weighted signatures, through the inverted index) and
 * sequence match (the share of the paragraph's rare concept bigrams this text also produces).
 */
export function trainingChunkScores(
  model: LoadedModel,
  out: ForwardOutputs,
  positions: readonly number[],
  weights = meanConceptWeights(model, out, positions),
): Map<number, Omit<ChunkScore, 'chunk'>> {
  const n = model.shapes.knownConcepts;
  const m = model.shapes.unknownConcepts;
  const { index } = model;
  const dots = new Map<number, number>();
  let norm = 0;
  weights.forEach((w, slot) => {
    const weighted = w * index.idf[slot];
    if (weighted <= 0) return;
    norm += weighted * weighted;
    const { start, segment, value } = index.postings;
    for (let k = start[slot]; k < start[slot + 1]; k++) {
      dots.set(segment[k], (dots.get(segment[k]) ?? 0) + weighted * value[k]);
    }
  });
  norm = Math.sqrt(norm);
  const symbols = positions.map((t) => conceptSymbol(out.knownW, out.unknownW, t, n, m));
  // Weighted like the stored sketches: the text's rarest bigrams, each with its idf (a bigram
  // no paragraph keeps is rarer than any kept one).
  const bigrams = [...conceptBigrams(symbols)];
  const unseen = bigramIdf(index.segmentChunk.length, 0);
  const { start, segment: bigramSegment, value: bigramIdfs } = index.bigramPostings;
  const places = bigrams.map((b) => bigramPlace(index.bigrams, b));
  const queryTotal = places
    .map((k) => (k >= 0 ? bigramIdfs[start[k]] : unseen))
    .sort((a, b) => b - a)
    .slice(0, SEQUENCE_SLOTS)
    .reduce((a, b) => a + b, 0);
  const matched = new Map<number, number>();
  for (const k of places) {
    if (k < 0) continue;
    for (let j = start[k]; j < start[k + 1]; j++) {
      matched.set(bigramSegment[j], (matched.get(bigramSegment[j]) ?? 0) + bigramIdfs[j]);
    }
  }
  // A chunk scores as its best paragraph, whose span is reported.
  const bestByChunk = new Map<number, Omit<ChunkScore, 'chunk'>>();
  for (const segment of new Set([...dots.keys(), ...matched.keys()])) {
    const dot = dots.get(segment) ?? 0;
    const conceptSimilarity =
      norm > 0 && index.norms[segment] > 0 ? dot / (norm * index.norms[segment]) : 0;
    // Matched weight over the geometric mean of both sketches' weights (a weighted Ochiai
    // coefficient): a short paragraph whose two bigrams both occur does not score as a full match.
    const total = Math.sqrt(index.bigramTotals[segment] * queryTotal);
    const sequenceMatch = total > 0 ? Math.min(1, (matched.get(segment) ?? 0) / total) : 0;
    const score = (conceptSimilarity + sequenceMatch) / 2;
    const chunk = index.segmentChunk[segment];
    const best = bestByChunk.get(chunk);
    if (!best || score > best.score) {
      bestByChunk.set(chunk, { segment, score, conceptSimilarity, sequenceMatch });
    }
  }
  return bestByChunk;
}

/**
 * Training data through concepts: the chunk's mean concept weights, mixed through the
 * source-by-concept matrix (source shares), and compared with every training chunk's signature
 * through the inverted index (top chunks).
 */
export function trainingDataAttribution(
  model: LoadedModel,
  out: ForwardOutputs,
  positions: readonly number[],
): TrainingDataAttribution {
  const weights = meanConceptWeights(model, out, positions);
  const bestByChunk = trainingChunkScores(model, out, positions, weights);
  const { index } = model;
  const baseline = trainingBaseline(
    index.chunks.length,
    (chunk) => bestByChunk.get(chunk)?.score ?? 0,
  );
  const chunks = [...bestByChunk.entries()]
    .sort((a, b) => b[1].score - a[1].score || a[0] - b[0])
    .slice(0, TOP_CHUNKS)
    .map(([chunk, { segment, ...scores }]): TrainingChunkMatch => {
      const provenance = index.chunks[chunk];
      const [start, end] = [index.segmentStart[segment], index.segmentEnd[segment]];
      const calibrated = calibratedScore(scores.score, baseline);
      return {
        ...provenance,
        segment: { start, end },
        ...scores,
        calibrated,
        weak: calibrated < WEAK_MATCH_BELOW,
      };
    });
  return {
    method: 'concept-signature-similarity',
    methodVersion: 3,
    interpretation: TRAINING_DATA_INTERPRETATION,
    sources: sourceShares(model, weights),
    baseline,
    chunks,
  };
}
