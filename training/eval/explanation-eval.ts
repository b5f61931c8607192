import { CONCEPTS, Labeller } from 'training/concepts/labeller';
import { EvalPrompt } from 'training/eval/prompts';
import { median } from 'training/eval/auroc';
import type { ModelRuntime } from 'src/model-runtime/model-runtime';
import type { GenerationOptions } from 'src/model-runtime/generation.types';
import { ConceptShare, undetected } from 'src/evidence-format/attribution';

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
  /**
   * The explanation cut to the named concepts not stated undetected (`detection` ≥ DETECTED_AT,
   * or absent as before method version 3, where every concept counts): a chunk cites the (at
   * most) three of those with the largest positive contribution. Beside
   * the goal, not in it: a chunk that cites none is left out of precision, not counted as 0.
   */
  detected: {
    /** Mean over labelled chunks that cite at least one of |cited ∩ labels| / |cited|. */
    precisionAt3: number;
    /** Mean number cited per labelled chunk, the chunks that cite none included. */
    cited: number;
    /** Share of labelled chunks that cite at least one. */
    coverage: number;
    /** Labelled chunks that cite at least one whose first cited concept is one of their labels. */
    top1Accuracy: number;
  };
  byGroup: Record<string, { chunks: number; precisionAt3: number }>;
}

/** A named concept as precision reads it. */
type NamedConcept = Pick<ConceptShare, 'key' | 'contribution' | 'detection'>;

/** A generated chunk as precision reads it: its prompt's group, its labels, its named concepts. */
export interface ExplainedChunk {
  group: string;
  /** The concept keys the labeller finds in the chunk's text. */
  labels: ReadonlySet<string>;
  known: readonly NamedConcept[];
}

/** The keys of the (at most) three named concepts with the largest positive contribution. */
export function topThree(known: readonly NamedConcept[]): string[] {
  return known
    .filter((c) => c.contribution > 0 && c.key)
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 3)
    .map((c) => c.key as string);
}

/** One labelled chunk's scores: the goal's top three, and the detected concepts it cites. */
function chunkScores({ group, labels, known }: ExplainedChunk) {
  const hits = (keys: string[]) => keys.filter((k) => labels.has(k)).length;
  const top = topThree(known);
  // A concept whose detector stayed below DETECTED_AT is not cited; one without a detection is.
  const cited = topThree(known.filter((c) => !undetected(c)));
  return {
    group,
    p: top.length > 0 ? hits(top) / top.length : 0,
    // The best any three concepts could do on this chunk: a chunk with one label allows 1/3.
    ceiling: Math.min(3, labels.size) / 3,
    recall: hits(top) / Math.min(3, labels.size),
    top1: top.length > 0 && labels.has(top[0]) ? 1 : 0,
    cited: cited.length,
    citedP: cited.length > 0 ? hits(cited) / cited.length : 0,
    citedTop1: cited.length > 0 && labels.has(cited[0]) ? 1 : 0,
  };
}

/** The precision figures of explained chunks; those without labels count in `chunks` only. */
export function precisionFigures(
  chunks: readonly ExplainedChunk[],
  groups: readonly string[],
): Omit<PrecisionFigures, 'prompts' | 'generations'> {
  const scores = chunks.filter((c) => c.labels.size > 0).map(chunkScores);
  const citing = scores.filter((s) => s.cited > 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const byGroup: PrecisionFigures['byGroup'] = {};
  for (const group of groups) {
    const mine = scores.filter((s) => s.group === group);
    byGroup[group] = { chunks: mine.length, precisionAt3: mean(mine.map((s) => s.p)) };
  }
  return {
    chunks: chunks.length,
    labelledChunks: scores.length,
    precisionAt3: mean(scores.map((s) => s.p)),
    precisionAt3Ceiling: mean(scores.map((s) => s.ceiling)),
    recallAt3: mean(scores.map((s) => s.recall)),
    top1Accuracy: mean(scores.map((s) => s.top1)),
    detected: {
      precisionAt3: mean(citing.map((s) => s.citedP)),
      cited: mean(scores.map((s) => s.cited)),
      coverage: mean(scores.map((s) => (s.cited > 0 ? 1 : 0))),
      top1Accuracy: mean(citing.map((s) => s.citedTop1)),
    },
    byGroup,
  };
}

/** Attribution precision@3 on the fixed prompts, `seeds` generations each. */
export async function attributionPrecision(
  runtime: ModelRuntime,
  labeller: Labeller,
  prompts: readonly EvalPrompt[],
  seeds: readonly number[],
  progress?: Progress,
): Promise<PrecisionFigures> {
  const chunks: ExplainedChunk[] = [];
  const total = prompts.length * seeds.length;
  let done = 0;
  for (const prompt of prompts) {
    for (const seed of seeds) {
      const result = await runtime.generate(prompt.text, { ...DECODING, seed });
      for (const chunk of result.chunks) {
        chunks.push({
          group: prompt.group,
          labels: keysOf(labeller, chunk.text),
          known: chunk.concepts.known,
        });
      }
      progress?.(++done, total);
    }
  }
  return {
    prompts: prompts.length,
    generations: total,
    ...precisionFigures(chunks, [...new Set(prompts.map((p) => p.group))]),
  };
}

/** A continuation's negative log-likelihood under a reference model (the backbone twin). */
export type TextScorer = (prompt: string, continuation: string) => { nll: number; tokens: number };

export interface SteeringFigure {
  concept: string;
  /** Amplification: the fixed prompts (`steeringPrompts`), plain against amplified. */
  prompts: number;
  /** Generations the labeller finds the concept in, of `prompts`. */
  plain: number;
  amplified: number;
  /** (amplified + ½) / (plain + ½): the ratio of rates, defined when plain is 0. */
  amplifyRatio: number;
  /**
   * Suppression: held-out text that carries the concept, cut after its evidence
   * (`suppressionPrompts`), plain against suppressed: there is something to take away.
   */
  suppressionPrompts: number;
  suppressionPlain: number;
  suppressed: number;
  /** suppressed / suppressionPlain, null when plain generation never shows the concept. */
  suppressRatio: number | null;
  /** The backbone twin's perplexity of each set of continuations. */
  perplexity: {
    plain: number | null;
    amplified: number | null;
    suppressionPlain: number | null;
    suppressed: number | null;
  };
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
 * The prompts a concept is amplified on: its group's prompts first (where a reader would expect
 * it), then the others in a fixed stride.
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

/** At most this many characters of held-out text before a suppression prompt's cut. */
const SUPPRESSION_CONTEXT_CHARS = 280;

/**
 * The prompts a concept is suppressed on: held-out chunks the labeller gives the concept, each
 * cut right after the evidence that completes the rule, then at each later sentence end (a
 * reader already knows the concept there, and so does the model). Chunks are taken in id order,
 * one cut each before any chunk's second, so that many documents speak. A prompt keeps at most
 * 280 characters before its cut, from a sentence start where that window holds one and the prompt
 * from there still carries the concept (else a word start), shortened until it `fits`, and only
 * while the labeller still finds the concept in it.
 */
export function suppressionPrompts(
  concept: string,
  chunks: readonly { id: string; text: string }[],
  labeller: Labeller,
  count: number,
  fits: (text: string) => boolean,
): string[] {
  const id = CONCEPTS.findIndex((c) => c.key === concept);
  if (id < 0) throw new Error(`no named concept ${concept}`);
  const cutsOf = (text: string, onset: number): number[] => {
    const cuts = [onset];
    for (const m of text.slice(onset).matchAll(/[.;!?](?=\s)|\n/g)) {
      const at = onset + m.index + 1;
      // A later cut must add a word: "the verdict" and "the verdict." are one prompt.
      if (/[\p{L}\p{N}]/u.test(text.slice(cuts[cuts.length - 1], at)) && at < text.length) {
        cuts.push(at);
      }
    }
    return cuts;
  };
  const carriers = [...chunks]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((chunk) => ({ chunk, label: labeller.label(chunk.text) }))
    .filter(({ label }) => label.conceptIds.includes(id))
    .map(({ chunk, label }) => cutsOf(chunk.text, label.onset[id]).map((cut) => ({ chunk, cut })));
  const prompt = (text: string, cut: number): string | null => {
    for (let keep = SUPPRESSION_CONTEXT_CHARS; keep >= 40; keep -= 40) {
      const from = Math.max(0, cut - keep);
      const window = text.slice(from, cut);
      // From the first sentence start in the window, else the first word start.
      const sentence = from === 0 ? 0 : window.search(/(?<=[.;!?\n]\s*)\p{Lu}/u);
      const word = from === 0 ? 0 : window.search(/(?<=\s)\S/);
      // A sentence start may lose evidence that a word start keeps: then the word start.
      for (const at of new Set([sentence, Math.max(0, word)].filter((x) => x >= 0))) {
        const candidate = text.slice(from + at, cut).trim();
        // The prompt itself must carry the concept, not only the chunk it came from.
        if (fits(candidate) && labeller.label(candidate).conceptIds.includes(id)) return candidate;
      }
    }
    return null;
  };
  const out: string[] = [];
  const seen = new Set<string>();
  for (let level = 0; out.length < count && carriers.some((c) => c.length > level); level++) {
    for (const cuts of carriers) {
      if (out.length >= count || cuts.length <= level) continue;
      const text = prompt(cuts[level].chunk.text, cuts[level].cut);
      if (text === null || seen.has(text)) continue;
      seen.add(text);
      out.push(text);
    }
  }
  return out;
}

export interface SteeringRun {
  /** Amplify prompts per concept. */
  count: number;
  scorer: TextScorer | null;
  progress?: Progress;
  strength?: SteeringStrength;
  /** Each concept's suppression prompts (see `suppressionPrompts`). */
  suppression: (concept: string) => readonly string[];
}

/**
 * Amplify each concept on `count` fixed prompts and suppress it on held-out text that carries
 * it, each against plain generation of the same prompts (seed 1).
 */
export async function steeringEfficacy(
  runtime: ModelRuntime,
  labeller: Labeller,
  concepts: readonly string[],
  prompts: readonly EvalPrompt[],
  run: SteeringRun,
): Promise<SteeringFigures> {
  const strength = run.strength ?? { amplifyWeight: 1, suppressPenalty: 1 };
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
  const plainOf = async (prompt: string) => {
    let plain = plainCache.get(prompt);
    if (plain === undefined) {
      plain = await generate(prompt, []);
      plainCache.set(prompt, plain);
    }
    return plain;
  };
  const perplexity = (prompts: readonly string[], texts: string[]) => {
    if (!run.scorer) return null;
    let nll = 0;
    let tokens = 0;
    for (const [i, t] of texts.entries()) {
      const s = run.scorer(prompts[i], t);
      nll += s.nll;
      tokens += s.tokens;
    }
    return tokens ? Math.exp(nll / tokens) : null;
  };
  const plan = concepts.map((concept) => ({
    concept,
    amplify: steeringPrompts(concept, prompts, run.count).map((p) => p.text),
    suppress: run.suppression(concept),
  }));
  const total = plan.reduce((sum, p) => sum + p.amplify.length + p.suppress.length, 0);
  let done = 0;
  const perConcept: SteeringFigure[] = [];
  for (const { concept, amplify, suppress } of plan) {
    const texts = {
      plain: [] as string[],
      amplified: [] as string[],
      suppressionPlain: [] as string[],
      suppressed: [] as string[],
    };
    for (const prompt of amplify) {
      texts.plain.push(await plainOf(prompt));
      texts.amplified.push(
        await generate(prompt, [{ concept, mode: 'amplify', weight: strength.amplifyWeight }]),
      );
      run.progress?.(++done, total);
    }
    for (const prompt of suppress) {
      texts.suppressionPlain.push(await plainOf(prompt));
      texts.suppressed.push(
        await generate(prompt, [{ concept, mode: 'suppress', penalty: strength.suppressPenalty }]),
      );
      run.progress?.(++done, total);
    }
    const rate = (list: string[]) => list.filter((t) => keysOf(labeller, t).has(concept)).length;
    const plain = rate(texts.plain);
    const amplified = rate(texts.amplified);
    const suppressionPlain = rate(texts.suppressionPlain);
    const suppressed = rate(texts.suppressed);
    perConcept.push({
      concept,
      prompts: amplify.length,
      plain,
      amplified,
      amplifyRatio: (amplified + 0.5) / (plain + 0.5),
      suppressionPrompts: suppress.length,
      suppressionPlain,
      suppressed,
      suppressRatio: suppressionPlain > 0 ? suppressed / suppressionPlain : null,
      perplexity: {
        plain: perplexity(amplify, texts.plain),
        amplified: perplexity(amplify, texts.amplified),
        suppressionPlain: perplexity(suppress, texts.suppressionPlain),
        suppressed: perplexity(suppress, texts.suppressed),
      },
    });
  }
  const measured = perConcept.filter((c) => c.suppressionPlain >= 5 && c.suppressRatio !== null);
  return {
    concepts: perConcept.length,
    promptsPerConcept: run.count,
    strength,
    amplifyAtLeast2x: perConcept.filter((c) => c.amplifyRatio >= 2).length / perConcept.length,
    suppressRatioMedian: measured.length
      ? median(measured.map((c) => c.suppressRatio as number))
      : null,
    suppressMeasuredOn: measured.length,
    perConcept,
  };
}
