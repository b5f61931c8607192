/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { TrainingDataAttribution } from 'src/evidence-format/attribution';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { createLabeller, CONCEPTS, Labeller } from 'training/concepts/labeller';
import { testModel } from 'test/support/test-model';

// Claims a reviewer relies on, tested on the shipped model: explaining a text gives the same
// attributions as generating it, canaries lead back to the one chunk and source they were planted
// in, and steering a concept changes how often the label checker finds it in generations.

let runtime: ModelRuntime;
let labeller: Labeller;
const model = testModel();

beforeAll(async () => {
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
  labeller = createLabeller();
});

interface Canary {
  id: string;
  source: string;
  chunk: string;
  text: string;
}

function canaries(): Canary[] {
  return runtime.model.pkg.manifest.canaries as unknown as Canary[];
}

describe('explain', () => {
  it('gives a generated text exactly the attributions its generation had', async () => {
    // Sampling can write a token sequence that re-tokenizes differently ("th"+"e" vs "the"):
    // compare on generations whose text reads back as the same tokens.
    let compared = 0;
    for (let seed = 1; seed <= 12 && compared < 3; seed++) {
      const generated = await runtime.generate('The Congress shall', { maxTokens: 24, seed });
      const ids = generated.tokens.map((t) => t.id);
      const readBack = runtime.model.tokenizer.encode(generated.text);
      if (JSON.stringify(readBack) !== JSON.stringify(ids)) continue;
      const explained = await runtime.explain('The Congress shall', generated.text);
      expect(explained.tokens).toEqual(generated.tokens);
      expect(explained.chunks).toEqual(generated.chunks);
      expect(explained.decoding.stoppedBy).toBe('given_text');
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('gives the same attributions under steering as the steered generation', async () => {
    const steering = [{ concept: 'finance.banking', mode: 'amplify' as const }];
    for (let seed = 1; seed <= 12; seed++) {
      const generated = await runtime.generate('The economy of', { maxTokens: 16, seed, steering });
      const ids = generated.tokens.map((t) => t.id);
      const readBack = runtime.model.tokenizer.encode(generated.text);
      if (JSON.stringify(readBack) !== JSON.stringify(ids)) continue;
      const explained = await runtime.explain('The economy of', generated.text, { steering });
      expect(explained.steering).toEqual(generated.steering);
      expect(explained.chunks).toEqual(generated.chunks);
      return;
    }
    throw new Error('no steered generation read back as the same tokens');
  });

  it('refuses an empty or too long output, naming it', async () => {
    await expect(runtime.explain('The', '')).rejects.toMatchObject({
      fields: [{ field: 'output', problems: ['must be non-empty text'] }],
    });
    await expect(runtime.explain('The', ' nation'.repeat(400))).rejects.toMatchObject({
      fields: [expect.objectContaining({ field: 'output' })],
    });
  });
});

describe('training-data attribution', () => {
  // Similarity, not provenance: a topical chunk of another source may come first (on version 2,
  // a WordNet gloss of "market economy ... agriculture" for a Factbook economy line), so the test
  // asks for the source first and most of the top five chunks from it. An index whose rows were
  // misaligned with their chunks would scatter the top five over the sources.
  it('puts the source a text is written in first, and retrieves mostly chunks of it', async () => {
    const texts: [string, string, string][] = [
      [
        'spdx',
        'Permission is hereby granted,',
        ' free of charge, to any person obtaining a copy of this software and associated documentation files, to deal in the Software without restriction.',
      ],
      [
        'sotu',
        'Mr. Speaker, Mr. President,',
        ' Members of the Congress, my fellow Americans: tonight I report to you on the state of our Union.',
      ],
      [
        'factbook',
        'Economy - overview:',
        ' The economy depends on agriculture and mining; GDP growth slowed in 2015 as exports of oil fell.',
      ],
      [
        'wordnet',
        'aspirin:',
        ' the acetylated derivative of salicylic acid; used as an analgesic anti-inflammatory drug.',
      ],
    ];
    for (const [source, prompt, output] of texts) {
      const result = await runtime.explain(prompt, output, {
        chunkTokens: runtime.model.shapes.contextLength,
      });
      const attribution = result.chunks[0].trainingData;
      const [first] = Object.entries(attribution.sources).sort((a, b) => b[1] - a[1]);
      const ofSource = attribution.chunks.slice(0, 5).filter((c) => c.source === source).length;
      expect({ prompt, source: first[0], topFiveOfSource: ofSource >= 4 }).toEqual({
        prompt,
        source,
        topFiveOfSource: true,
      });
    }
  });

  /** Explains each canary as if the model said it: its first words as the prompt, the rest as output. */
  async function canaryAttributions() {
    const found: { canary: Canary; attribution: TrainingDataAttribution }[] = [];
    for (const canary of canaries()) {
      const words = canary.text.split(' ');
      const result = await runtime.explain(
        words.slice(0, 4).join(' '),
        ` ${words.slice(4).join(' ')}`,
        {
          chunkTokens: runtime.model.shapes.contextLength,
        },
      );
      expect(result.chunks).toHaveLength(1);
      found.push({ canary, attribution: result.chunks[0].trainingData });
    }
    expect(found.length).toBeGreaterThanOrEqual(4);
    return found;
  }

  it('puts the source a canary was planted in first, for every canary', async () => {
    for (const { canary, attribution } of await canaryAttributions()) {
      const [topSource] = Object.entries(attribution.sources).sort((a, b) => b[1] - a[1]);
      expect({ canary: canary.id, source: topSource[0] }).toEqual({
        canary: canary.id,
        source: canary.source,
      });
    }
  });

  it('retrieves the chunk a canary was planted in first, for every canary', async () => {
    const found = await canaryAttributions();
    expect(
      found.map(({ canary, attribution }) => ({
        canary: canary.id,
        first: attribution.chunks[0]?.chunk,
      })),
    ).toEqual(found.map(({ canary }) => ({ canary: canary.id, first: canary.chunk })));
    // And as evidence, not as the best of weak matches.
    for (const { attribution } of found) expect(attribution.chunks[0].weak).toBe(false);
  });

  it('scores chunks as the mean of concept similarity and sequence match, best first', async () => {
    for (const { attribution } of await canaryAttributions()) {
      expect(attribution.methodVersion).toBe(3);
      const scores = attribution.chunks.map((c) => c.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      for (const c of attribution.chunks) {
        expect(c.score).toBeCloseTo((c.conceptSimilarity + c.sequenceMatch) / 2, 12);
        for (const x of [c.conceptSimilarity, c.sequenceMatch]) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('reads each match against the base rate: a retrieved canary is evidence, gloss-like nonsense is not', async () => {
    const N = runtime.model.index.chunks.length;
    for (const { canary, attribution } of await canaryAttributions()) {
      const { baseline, chunks } = attribution;
      expect(baseline?.sampledChunks).toBe(Math.min(512, N));
      // The sampled chunks are among those ranked: none beats the best match.
      expect(chunks[0].score).toBeGreaterThanOrEqual(baseline!.ceiling);
      for (const c of chunks) {
        const expected = (c.score - baseline!.median) / (baseline!.ceiling - baseline!.median);
        expect(c.calibrated).toBeCloseTo(expected, 12);
        expect(c.weak).toBe(expected < 1.5);
      }
      // Where the planted chunk is found first, it stands clear of chance.
      if (chunks[0].chunk === canary.chunk) expect(chunks[0].weak).toBe(false);
    }
    // Dictionary-style nonsense: close to many glosses, so no match clearer than chance.
    for (const [prompt, output] of [
      ['blorp:', ' a small round vessel used for the carrying of moods; a state of being loud'],
      ['frimble:', ' the act of walking sideways into a legal document; (informal) a weather'],
    ]) {
      const result = await runtime.explain(prompt, output, {
        chunkTokens: runtime.model.shapes.contextLength,
      });
      const top = result.chunks[0].trainingData.chunks[0];
      expect({ prompt, weak: top.weak }).toEqual({ prompt, weak: true });
    }
  });
});

describe('steering efficacy', () => {
  const CONCEPT = process.env.STEERING_TEST_CONCEPT ?? 'topic.politics_government';
  const PROMPTS = [
    'The',
    'In the year',
    'We must',
    'The people of',
    'Our nation',
    'The government',
    'It is',
    'This year',
    'The Congress',
    'I ask',
    'The country',
    'Under the terms',
    'The economy',
    'Our duty',
    'The army',
    'The law',
    'The President',
    'The report',
    'Any person',
    'The island',
    'A small',
    'The world',
    'Our people',
    'The budget',
    'The state',
    'They have',
    'There is',
    'The time',
    'For the',
    'In this',
    'The new',
    'All of',
    'The future',
    'Let us',
    'The first',
    'Many of',
    'The work',
    'The policy',
    'At home',
    'Abroad',
    'The city',
    'The power',
    'The right',
    'The public',
    'Some',
    'The great',
    'Each',
    'The citizens',
    'Freedom',
    'The history',
    'The war',
    'The peace',
  ];

  async function detectionRate(steering: { concept: string; mode: 'suppress' | 'amplify' }[]) {
    let hits = 0;
    const id = CONCEPTS.find((c) => c.key === CONCEPT)?.id;
    for (const [i, prompt] of PROMPTS.entries()) {
      const result = await runtime.generate(prompt, {
        maxTokens: 32,
        seed: 1000 + i,
        attributions: false,
        steering,
      });
      if (labeller.label(result.text).conceptIds.includes(id ?? -1)) hits++;
    }
    return hits / PROMPTS.length;
  }

  it('suppressing a concept lowers, and amplifying raises, its detection rate over 52 prompts', async () => {
    expect(PROMPTS.length).toBeGreaterThanOrEqual(50);
    const plain = await detectionRate([]);
    const suppressed = await detectionRate([{ concept: CONCEPT, mode: 'suppress' }]);
    const amplified = await detectionRate([{ concept: CONCEPT, mode: 'amplify' }]);
    process.stdout.write(
      `steering ${CONCEPT}: detected in ${(100 * plain).toFixed(0)}% plain, ${(100 * suppressed).toFixed(0)}% suppressed, ${(100 * amplified).toFixed(0)}% amplified (${PROMPTS.length} prompts)\n`,
    );
    expect(suppressed).toBeLessThan(plain);
    expect(amplified).toBeGreaterThan(plain);
  });
});
