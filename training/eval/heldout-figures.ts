import { auroc, median } from 'training/eval/auroc';
import { KneserNey } from 'training/eval/kneser-ney';
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
 * The Kneser-Ney bigram and trigram the model is measured against: trained on the training
 * chunks ([BOS] first), scored on exactly the held-out windows the model is scored on.
 */
export function ngramBaselines(
  trainIds: readonly (readonly number[])[],
  test: LabelledChunk[],
  contextLength: number,
  vocabSize: number,
): { bigramPerplexity: number; trigramPerplexity: number } {
  const trainSequences = trainIds.map((ids) => [BOS, ...ids]);
  const testSequences = heldOutSequences(test, contextLength).flat();
  const perplexity = (order: number) =>
    new KneserNey(order, vocabSize).train(trainSequences).perplexity(testSequences);
  return { bigramPerplexity: perplexity(2), trigramPerplexity: perplexity(3) };
}

/** What one predicted position adds to the figures, whichever runtime computed it. */
export interface PositionFigures {
  /** log p(target) under the served logits. */
  logProb: number;
  /** Σ |contribution| to the target logit of the known concepts, of the unknown ones, and |ε's|. */
  knownAbs: number;
  unknownAbs: number;
  epsAbs: number;
  /** |Σ contributions + ε − target logit|: zero up to float rounding for a complete model. */
  completenessError: number;
}

/**
 * Concepts with fewer positives or negatives than this among the held-out chunks give no stable
 * AUROC and are left out of the macro average.
 */
export const MIN_CLASS_SIZE = 5;

/** Mean AUROC over the concepts with enough positive and negative chunks, and how many those are. */
export function macroAuroc(
  scores: readonly (readonly number[])[],
  labels: readonly (readonly boolean[])[],
): { auroc: number; scored: number } {
  const perConcept = scores
    .map((s, i) => ({ s, y: labels[i], positives: labels[i].filter(Boolean).length }))
    .filter((c) => c.positives >= MIN_CLASS_SIZE && c.y.length - c.positives >= MIN_CLASS_SIZE)
    .map((c) => auroc(c.s, c.y));
  return {
    auroc: perConcept.reduce((a, b) => a + b, 0) / perConcept.length,
    scored: perConcept.length,
  };
}

/**
 * The model-side figures of `model:eval`, accumulated position by position and chunk by chunk, so
 * that the tfjs evaluation of a training run and the ONNX evaluation of a package compute them
 * with the same arithmetic and neither has to hold a whole split's outputs.
 */
export class HeldOutFigures {
  private readonly scores: number[][];
  private readonly labels: boolean[][];
  private readonly conceptShares: number[] = [];
  private readonly knownShares: number[] = [];
  private nll = 0;
  private tokens = 0;
  private chunks = 0;
  private worstCompleteness = 0;

  constructor(private readonly knownConcepts: number) {
    this.scores = Array.from({ length: knownConcepts }, () => []);
    this.labels = Array.from({ length: knownConcepts }, () => []);
  }

  addPosition(p: PositionFigures): void {
    this.nll -= p.logProb;
    this.tokens++;
    this.worstCompleteness = Math.max(this.worstCompleteness, p.completenessError);
    const all = p.knownAbs + p.unknownAbs + p.epsAbs;
    if (all > 0) {
      this.conceptShares.push((p.knownAbs + p.unknownAbs) / all);
      this.knownShares.push(p.knownAbs / all);
    }
  }

  /**
   * One held-out chunk: per known concept, the highest detector probability at any of its
   * positions (its score), against whether the labeller put the concept on the chunk.
   */
  addChunk(best: ArrayLike<number>, conceptIds: readonly number[]): void {
    const present = new Set(conceptIds);
    for (let i = 0; i < this.knownConcepts; i++) {
      this.scores[i].push(best[i]);
      this.labels[i].push(present.has(i));
    }
    this.chunks++;
  }

  result(): ModelEvaluation {
    const concepts = macroAuroc(this.scores, this.labels);
    return {
      perplexity: Math.exp(this.nll / this.tokens),
      conceptAuroc: concepts.auroc,
      conceptsScored: concepts.scored,
      conceptShare: median(this.conceptShares),
      knownShare: median(this.knownShares),
      completenessMaxError: this.worstCompleteness,
      tokens: this.tokens,
      chunks: this.chunks,
    };
  }
}
