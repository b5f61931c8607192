import { CONCEPTS, Labeller } from 'training/concepts/labeller';
import { EvalPrompt } from 'training/eval/prompts';
import { median } from 'training/eval/auroc';
import type { ModelRuntime } from 'src/model-runtime/model-runtime';
import type { GenerationOptions } from 'src/model-runtime/generation.types';

/**
 * Does an explanation name what a reader sees, and does steering do what it says? Both are
 * measured on generations of the shipped package through the service's own runtime, against the
 * labeller that supervised the named concepts (its precision per group is on the model card).
 */

type Progress = (done: number, total: number) => void;

/** The decoding every generation of these figures uses (seeds vary per figure). */
export const DECODING = { maxTokens: 24, temperature: 0.8, topP: 0.95, chunkTokens: 16 };

/** The concept keys the labeller puts on a text. */
export function keysOf(labeller: Labeller, text: string): Set<string> {
  return new Set(labeller.label(text).conceptIds.map((id) => CONCEPTS[id].key));
}

export interface PrecisionFigures {
  prompts: number;
  generations: number;
  chunks: number;
  /** Chunks the labeller finds at least one concept in: the ones precision is measured on. */
  labelledChunks: number;
  /**
   * Mean over labelled chunks of |top-3 ∩ labels| / |top-3|: of the (at most) three named
   * concepts with the largest positive logit contribution, the share the labeller finds in the
   * chunk. This is the goal's figure.
   */
  precisionAt3: number;
  /**
   * Mean over labelled chunks of min(3, |labels|) / 3: the precision@3 a perfect ranking would
   * reach with these labels (a chunk with one label caps it at 1/3). Beside the goal, not in it.
   */
  precisionAt3Ceiling: number;
  /** Mean of |top-3 ∩ labels| / min(3, |labels|): how many of its labels the top three find. */
  recallAt3: number;
  /** Labelled chunks whose top named concept is one of their labels. */
  top1Accuracy: number;
  byGroup: Record<string, { chunks: number; precisionAt3: number }>;
}

/** Attribution precision@3 on the fixed prompts, `seeds` generations each. */
export async function attributionPrecision(
  runtime: ModelRuntime,
  labeller: Labeller,
  prompts: readonly EvalPrompt[],
  seeds: readonly number[],
  progress?: Progress,
): Promise<PrecisionFigures> {
  let chunks = 0;
  const scores: { group: string; p: number; ceiling: number; recall: number; top1: number }[] = [];
  const total = prompts.length * seeds.length;
  let done = 0;
  for (const prompt of prompts) {
    for (const seed of seeds) {
      const result = await runtime.generate(prompt.text, { ...DECODING, seed });
      for (const chunk of result.chunks) {
        chunks++;
        const labels = keysOf(labeller, chunk.text);
        if (labels.size === 0) continue;
        const top = chunk.concepts.known
          .filter((c) => c.contribution > 0 && c.key)
          .sort((a, b) => b.contribution - a.contribution)
          .slice(0, 3)
          .map((c) => c.key as string);
        const hits = top.filter((k) => labels.has(k)).length;
        scores.push({
          group: prompt.group,
          p: top.length > 0 ? hits / top.length : 0,
          // The best any three concepts could do on this chunk: a chunk with one label allows 1/3.
          ceiling: Math.min(3, labels.size) / 3,
          recall: hits / Math.min(3, labels.size),
          top1: top.length > 0 && labels.has(top[0]) ? 1 : 0,
        });
      }
      progress?.(++done, total);
    }
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const byGroup: PrecisionFigures['byGroup'] = {};
  for (const group of [...new Set(prompts.map((p) => p.group))]) {
    const mine = scores.filter((s) => s.group === group);
    byGroup[group] = { chunks: mine.length, precisionAt3: mean(mine.map((s) => s.p)) };
  }
  return {
    prompts: prompts.length,
    generations: total,
    chunks,
    labelledChunks: scores.length,
    precisionAt3: mean(scores.map((s) => s.p)),
    precisionAt3Ceiling: mean(scores.map((s) => s.ceiling)),
    recallAt3: mean(scores.map((s) => s.recall)),
    top1Accuracy: mean(scores.map((s) => s.top1)),
    byGroup,
  };
}

/** A continuation's negative log-likelihood under a reference model (the backbone twin). */
export type TextScorer = (prompt: string, continuation: string) => { nll: number; tokens: number };

export interface SteeringFigure {
  concept: string;
  prompts: number;
  /** Generations the labeller finds the concept in, of `prompts`. */
  plain: number;
  amplified: number;
  suppressed: number;
  /** (amplified + ½) / (plain + ½): the ratio of rates, defined when plain is 0. */
  amplifyRatio: number;
  suppressRatio: number | null;
  perplexity: { plain: number | null; amplified: number | null; suppressed: number | null };
}

/** How hard steering pushes: the runtime's amplify weight and suppress penalty (both 1 by default). */
export interface SteeringStrength {
  amplifyWeight: number;
  suppressPenalty: number;
}

export interface SteeringFigures {
  concepts: number;
  promptsPerConcept: number;
  strength: SteeringStrength;
  /** Share of the concepts whose amplify ratio is at least 2. */
  amplifyAtLeast2x: number;
  /** Median suppress ratio over concepts that plain generation shows at least 5 times. */
  suppressRatioMedian: number | null;
  suppressMeasuredOn: number;
  perConcept: SteeringFigure[];
}

/**
 * The prompts a concept is steered on: its group's prompts first (where a reader would expect
 * it, so suppression has something to remove), then the others in a fixed stride.
 */
export function steeringPrompts(
  concept: string,
  prompts: readonly EvalPrompt[],
  count: number,
): EvalPrompt[] {
  const group = concept.split('.')[0];
  const own = prompts.filter((p) => p.group === group);
  const rest = prompts.filter((p) => p.group !== group);
  // A fixed, concept-dependent starting point, so concepts do not all share the same fillers.
  const start = [...concept].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 9973, 7) % rest.length;
  return [...own, ...rest.slice(start), ...rest.slice(0, start)].slice(0, count);
}

/** Amplify and suppress each concept on `count` prompts, against plain generation (seed 1). */
export async function steeringEfficacy(
  runtime: ModelRuntime,
  labeller: Labeller,
  concepts: readonly string[],
  prompts: readonly EvalPrompt[],
  count: number,
  scorer: TextScorer | null,
  progress?: Progress,
  strength: SteeringStrength = { amplifyWeight: 1, suppressPenalty: 1 },
): Promise<SteeringFigures> {
  const plainCache = new Map<string, string>();
  const generate = async (prompt: string, steering: GenerationOptions['steering']) => {
    const result = await runtime.generate(prompt, {
      ...DECODING,
      seed: 1,
      attributions: false,
      steering,
    });
    return result.text;
  };
  const perplexity = (prompts: EvalPrompt[], texts: string[]) => {
    if (!scorer) return null;
    let nll = 0;
    let tokens = 0;
    for (const [i, t] of texts.entries()) {
      const s = scorer(prompts[i].text, t);
      nll += s.nll;
      tokens += s.tokens;
    }
    return tokens ? Math.exp(nll / tokens) : null;
  };
  const total = concepts.length * count;
  let done = 0;
  const perConcept: SteeringFigure[] = [];
  for (const concept of concepts) {
    const chosen = steeringPrompts(concept, prompts, count);
    const texts = { plain: [] as string[], amplified: [] as string[], suppressed: [] as string[] };
    for (const prompt of chosen) {
      let plain = plainCache.get(prompt.text);
      if (plain === undefined) {
        plain = await generate(prompt.text, []);
        plainCache.set(prompt.text, plain);
      }
      texts.plain.push(plain);
      texts.amplified.push(
        await generate(prompt.text, [{ concept, mode: 'amplify', weight: strength.amplifyWeight }]),
      );
      texts.suppressed.push(
        await generate(prompt.text, [
          { concept, mode: 'suppress', penalty: strength.suppressPenalty },
        ]),
      );
      progress?.(++done, total);
    }
    const rate = (list: string[]) => list.filter((t) => keysOf(labeller, t).has(concept)).length;
    const plain = rate(texts.plain);
    const amplified = rate(texts.amplified);
    const suppressed = rate(texts.suppressed);
    perConcept.push({
      concept,
      prompts: chosen.length,
      plain,
      amplified,
      suppressed,
      amplifyRatio: (amplified + 0.5) / (plain + 0.5),
      suppressRatio: plain > 0 ? suppressed / plain : null,
      perplexity: {
        plain: perplexity(chosen, texts.plain),
        amplified: perplexity(chosen, texts.amplified),
        suppressed: perplexity(chosen, texts.suppressed),
      },
    });
  }
  const measured = perConcept.filter((c) => c.plain >= 5 && c.suppressRatio !== null);
  return {
    concepts: perConcept.length,
    promptsPerConcept: count,
    strength,
    amplifyAtLeast2x: perConcept.filter((c) => c.amplifyRatio >= 2).length / perConcept.length,
    suppressRatioMedian: measured.length
      ? median(measured.map((c) => c.suppressRatio as number))
      : null,
    suppressMeasuredOn: measured.length,
    perConcept,
  };
}
