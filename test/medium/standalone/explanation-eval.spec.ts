/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import type { GenerationOptions } from 'src/model-runtime/generation.types';
import { createLabeller, Labeller } from 'training/concepts/labeller';
import {
  attributionPrecision,
  DECODING,
  keysOf as labelKeys,
  steeringEfficacy,
} from 'training/eval/explanation-eval';
import { EVAL_PROMPTS } from 'training/eval/prompts';
import { testModel } from 'test/support/test-model';
import { DETECTED_AT } from 'src/evidence-format/attribution';

// model:eval's generation figures on the shipped package, recomputed here from the runtime's own
// generations and the labeller, so a wrong count, divisor or steering strength shows.

let runtime: ModelRuntime;
let labeller: Labeller;
const model = testModel();
const keysOf = (text: string) => labelKeys(labeller, text);

beforeAll(async () => {
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
  labeller = createLabeller();
});

afterAll(async () => {
  await runtime.close();
});

describe('attribution precision@3', () => {
  it('is the mean share of the top three named concepts the labeller finds, with the ceiling its labels allow', async () => {
    const prompts = EVAL_PROMPTS.filter((_, i) => i % 10 === 0);
    const figures = await attributionPrecision(runtime, labeller, prompts, [1]);
    const precisions: number[] = [];
    const ceilings: number[] = [];
    // Among the concepts the runtime says it detected: precision on the chunks that cite one.
    const detected: number[] = [];
    const cited: number[] = [];
    let differ = 0;
    for (const prompt of prompts) {
      const result = await runtime.generate(prompt.text, { ...DECODING, seed: 1 });
      for (const chunk of result.chunks) {
        const labels = keysOf(chunk.text);
        if (labels.size === 0) continue;
        const ranked = chunk.concepts.known
          .filter((c) => c.contribution > 0 && c.key)
          .sort((a, b) => b.contribution - a.contribution);
        const top = ranked.slice(0, 3);
        const mine = ranked.filter((c) => (c.detection as number) >= DETECTED_AT).slice(0, 3);
        const hits = (list: typeof top) => list.filter((c) => labels.has(c.key as string)).length;
        precisions.push(hits(top) / top.length);
        ceilings.push(Math.min(3, labels.size) / 3);
        cited.push(mine.length);
        if (mine.length > 0) detected.push(hits(mine) / mine.length);
        if (mine.map((c) => c.key).join() !== top.map((c) => c.key).join()) differ++;
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(precisions.length).toBeGreaterThan(0);
    expect(figures.labelledChunks).toBe(precisions.length);
    expect(figures.precisionAt3).toBeCloseTo(mean(precisions), 12);
    expect(figures.precisionAt3Ceiling).toBeCloseTo(mean(ceilings), 12);
    expect(figures.detected.precisionAt3).toBeCloseTo(mean(detected), 12);
    expect(figures.detected.cited).toBeCloseTo(mean(cited), 12);
    expect(figures.detected.coverage).toBeCloseTo(detected.length / precisions.length, 12);
    // The case discriminates: some chunk cites other concepts than the goal's top three.
    expect(differ).toBeGreaterThan(0);
  });
});

describe('steering efficacy', () => {
  it('steers at the strength it is given and counts the labelled generations', async () => {
    const concept = 'legal.courts';
    const strength = { amplifyWeight: 3, suppressPenalty: 2 };
    // Suppression prompts that carry the concept, as suppressionPrompts cuts held-out text.
    const carriers = [
      'The Supreme Court heard the appeal, and the judge',
      'The court ruled on the case after the trial, and',
      'The judges of the tribunal met in the courtroom and',
    ];
    const figures = await steeringEfficacy(runtime, labeller, [concept], EVAL_PROMPTS, {
      count: 4,
      scorer: null,
      strength,
      suppression: (c) => (c === concept ? carriers : []),
    });
    expect(figures.strength).toEqual(strength);
    const [only] = figures.perConcept;
    const legal = EVAL_PROMPTS.filter((p) => p.group === 'legal')
      .slice(0, 4)
      .map((p) => p.text);
    expect(legal).toHaveLength(4);
    const rate = async (prompts: string[], steering: GenerationOptions['steering']) => {
      let n = 0;
      for (const prompt of prompts) {
        const { text } = await runtime.generate(prompt, {
          ...DECODING,
          seed: 1,
          attributions: false,
          steering,
        });
        if (keysOf(text).has(concept)) n++;
      }
      return n;
    };
    const suppressionPlain = await rate(carriers, []);
    const suppressed = await rate(carriers, [{ concept, mode: 'suppress', penalty: 2 }]);
    expect({
      prompts: only.prompts,
      plain: only.plain,
      amplified: only.amplified,
      suppressionPrompts: only.suppressionPrompts,
      suppressionPlain: only.suppressionPlain,
      suppressed: only.suppressed,
      suppressRatio: only.suppressRatio,
    }).toEqual({
      prompts: 4,
      plain: await rate(legal, []),
      amplified: await rate(legal, [{ concept, mode: 'amplify', weight: 3 }]),
      suppressionPrompts: 3,
      suppressionPlain,
      suppressed,
      suppressRatio: suppressionPlain > 0 ? suppressed / suppressionPlain : null,
    });
    // The case discriminates: at the default weight these prompts give another count, so a
    // steeringEfficacy that ignored the strength would have failed above.
    const atDefault = await rate(legal, [{ concept, mode: 'amplify' }]);
    expect(atDefault).not.toBe(only.amplified);
  });
});
