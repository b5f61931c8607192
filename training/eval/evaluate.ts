import { auroc, median } from 'training/eval/auroc';
import { forward, ModelConfig, Params } from 'training/model/model';
import { matMul, tf } from 'training/model/tf';
import { BOS } from 'src/model-package/tokenizer';
import { LabelledChunk } from 'training/train/data';

export interface ModelEvaluation {
  perplexity: number;
  /** Macro AUROC of known-concept detection per held-out chunk (max probability over its tokens). */
  conceptAuroc: number;
  conceptsScored: number;
  /** Median over target positions of the share of |contributions| carried by concepts, not ε. */
  conceptShare: number;
  /** The same for the named (known) concepts alone. */
  knownShare: number;
  completenessMaxError: number;
  tokens: number;
  chunks: number;
}

/** Windows of at most the context length, each starting from [BOS]: the baselines' sequences. */
export function heldOutSequences(chunks: LabelledChunk[], contextLength: number): number[][][] {
  return chunks.map((c) => {
    const windows: number[][] = [];
    for (let i = 0; i < c.ids.length; i += contextLength - 1) {
      windows.push([BOS, ...c.ids.slice(i, i + contextLength - 1)]);
    }
    return windows;
  });
}

/**
 * The model-side figures of `model:eval`, all from one pass over the held-out chunks: perplexity,
 * concept detection against the labeller's chunk labels, and the decomposition of every target
 * logit (shares and the completeness error).
 */
export function evaluateModel(
  params: Params,
  config: ModelConfig,
  chunks: LabelledChunk[],
): ModelEvaluation {
  const n = config.knownConcepts;
  const scores: number[][] = Array.from({ length: n }, () => []);
  const labels: boolean[][] = Array.from({ length: n }, () => []);
  const conceptShares: number[] = [];
  const knownShares: number[] = [];
  let nll = 0;
  let tokens = 0;
  let worstCompleteness = 0;
  const sequences = heldOutSequences(chunks, config.contextLength);
  chunks.forEach((chunk, c) => {
    const best = new Float32Array(n).fill(0);
    for (const seq of sequences[c]) {
      if (seq.length < 2) continue;
      const input = seq.slice(0, -1);
      const target = seq.slice(1);
      tf.tidy(() => {
        const out = forward(params, config, tf.tensor2d([input], [1, input.length], 'int32'));
        const row = tf.gather(params.tokenEmbedding, tf.tensor1d(target, 'int32')) as tf.Tensor2D;
        const knownEffect = matMul(row, tf.transpose(params.knownEmbedding) as tf.Tensor2D);
        const unknownEffect = matMul(row, tf.transpose(params.unknownEmbedding) as tf.Tensor2D);
        const knownContrib = tf.mul(out.knownWeights, knownEffect);
        const unknownContrib = tf.mul(out.unknownWeights, unknownEffect);
        const epsContrib = tf.sum(tf.mul(out.epsilon, row), -1);
        const total = tf.add(
          tf.add(tf.sum(knownContrib, -1), tf.sum(unknownContrib, -1)),
          epsContrib,
        );
        const logits = out.logits;
        const targetLogit = tf.sum(
          tf.mul(logits, tf.oneHot(tf.tensor1d(target, 'int32'), config.vocabSize)),
          -1,
        );
        const logProb = tf.sub(targetLogit, tf.logSumExp(logits, -1));
        const absKnown = tf.sum(tf.abs(knownContrib), -1).dataSync();
        const absUnknown = tf.sum(tf.abs(unknownContrib), -1).dataSync();
        const absEps = tf.abs(epsContrib).dataSync();
        const totals = total.dataSync();
        const targets = targetLogit.dataSync();
        const lp = logProb.dataSync();
        for (let t = 0; t < target.length; t++) {
          nll -= lp[t];
          tokens++;
          worstCompleteness = Math.max(worstCompleteness, Math.abs(totals[t] - targets[t]));
          const all = absKnown[t] + absUnknown[t] + absEps[t];
          if (all > 0) {
            conceptShares.push((absKnown[t] + absUnknown[t]) / all);
            knownShares.push(absKnown[t] / all);
          }
        }
        const probs = tf.max(tf.sigmoid(out.knownLogits), 0).dataSync();
        for (let i = 0; i < n; i++) best[i] = Math.max(best[i], probs[i]);
      });
    }
    const present = new Set(chunk.labels);
    for (let i = 0; i < n; i++) {
      scores[i].push(best[i]);
      labels[i].push(present.has(i));
    }
  });
  // Concepts with too few positives or negatives in the held-out split give no stable AUROC.
  const perConcept = scores
    .map((s, i) => ({ s, y: labels[i], positives: labels[i].filter(Boolean).length }))
    .filter((c) => c.positives >= 5 && c.y.length - c.positives >= 5)
    .map((c) => auroc(c.s, c.y));
  return {
    perplexity: Math.exp(nll / tokens),
    conceptAuroc: perConcept.reduce((a, b) => a + b, 0) / perConcept.length,
    conceptsScored: perConcept.length,
    conceptShare: median(conceptShares),
    knownShare: median(knownShares),
    completenessMaxError: worstCompleteness,
    tokens,
    chunks: chunks.length,
  };
}
