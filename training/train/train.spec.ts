import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelConfig } from 'training/model/model';
import { tfReady } from 'training/model/tf';
import { BOS, EOC, MASK } from 'src/model-package/tokenizer';
import { CONFIGS, teacherForcingAt, TrainingConfig } from 'training/train/configs';
import { buildStream, LabelledChunk, sampleBatch, tokenAt } from 'training/train/data';
import { learningRateAt } from 'training/train/optimizer';
import { Random } from 'training/train/random';
import { train } from 'training/train/trainer';
import { Tokenizer } from 'src/model-package/tokenizer';
import { CONCEPTS, createLabeller } from 'training/concepts/labeller';
import { trainBpe } from 'training/tokenizer/bpe';
import { labelChunk } from 'training/train/prepare';

const chunks: LabelledChunk[] = [];
for (let d = 0; d < 6; d++) {
  for (let c = 0; c < 5; c++) {
    chunks.push({
      document: `doc${d}`,
      ids: Array.from({ length: 12 }, (_, i) => 10 + ((d * 7 + c * 3 + i) % 40)),
      labels: [(d + c) % 4, 3 - ((d + c) % 4)].filter((l, i, all) => all.indexOf(l) === i),
      onsets: [0, 5],
    });
  }
}

describe('training data', () => {
  const stream = buildStream(chunks);

  it('opens each document with [BOS], closes each chunk with [EOC], and remembers the chunk', () => {
    expect(stream.tokens[0]).toBe(BOS);
    expect(stream.tokens[13]).toBe(EOC);
    expect(stream.tokens.filter((t) => t === BOS)).toHaveLength(6);
    expect(stream.chunkOf[1]).toBe(0);
    expect(stream.chunkOf[14]).toBe(1);
    expect([stream.placeOf[0], stream.placeOf[1], stream.placeOf[13]]).toEqual([-1, 0, 12]);
  });

  it('labels each position causally with its own chunk, from the onset of each label', () => {
    const batch = sampleBatch(stream, 4, 16, 4, new Random(3), 0.3);
    let masked = 0;
    let checked = 0;
    for (let i = 0; i < batch.targets.length; i++) {
      expect(batch.targets[i]).not.toBe(MASK);
      if (batch.inputs[i] === MASK) masked++;
      const row = Array.from(batch.positionLabels.slice(i * 4, i * 4 + 4));
      const segment = Array.from(
        batch.segmentLabels.slice(batch.segmentOf[i] * 4, batch.segmentOf[i] * 4 + 4),
      );
      // A segment carries a concept exactly when one of its positions does.
      row.forEach((on, c) => expect(segment[c]).toBeGreaterThanOrEqual(on));
      const token = batch.inputs[i] === MASK ? undefined : batch.inputs[i];
      if (token === undefined || token === BOS || token === EOC) continue;
      // Recover the chunk and place from the token pattern: ids are 10 + (d·7 + c·3 + place) mod 40.
      const matches: number[][] = [];
      for (let d = 0; d < 6; d++) {
        for (let c = 0; c < 5; c++) {
          for (let place = 0; place < 12; place++) {
            if (10 + ((d * 7 + c * 3 + place) % 40) === token) matches.push([d, c, place]);
          }
        }
      }
      const expected = matches.map(([d, c, place]) => {
        const on = [0, 0, 0, 0];
        on[(d + c) % 4] = 1;
        if (place >= 5) on[3 - ((d + c) % 4)] = 1;
        return on.join('');
      });
      // The token alone may fit several chunks: the row must be one of their label patterns.
      expect(expected).toContain(row.join(''));
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    expect(masked).toBeGreaterThan(4);
    expect(masked).toBeLessThan(40);
  });

  it('puts a label on from the token whose end reaches its evidence', () => {
    expect(tokenAt([3, 8, 12, 20], 0)).toBe(0);
    expect(tokenAt([3, 8, 12, 20], 8)).toBe(1);
    expect(tokenAt([3, 8, 12, 20], 9)).toBe(2);
    expect(tokenAt([3, 8, 12, 20], 99)).toBe(3);
  });

  it("marks the token where each occurrence of a label's evidence begins", () => {
    // After a paragraph break and after "(" the token before ends exactly where the word starts.
    const text = 'The hospital was full.\n\nHospital staff (clinic nurses) and a clinic worked on.';
    const tokenizer = new Tokenizer(trainBpe([text], 80));
    const chunk = labelChunk({ document: 'd', text } as never, tokenizer, createLabeller());
    const facility = chunk.labels.indexOf(CONCEPTS.find((c) => c.key === 'health.facility')!.id);
    expect(facility).toBeGreaterThanOrEqual(0);
    const { ends } = tokenizer.encodeWithEnds(text);
    // Each start token itself holds the first letter of its word (not the break or "(" before).
    const firstLetter = (token: number) =>
      text.slice(token === 0 ? 0 : ends[token - 1], ends[token]).trimStart()[0];
    expect(chunk.starts![facility].map(firstLetter)).toEqual(['h', 'H', 'c', 'c']);
    expect(chunk.starts![facility][0]).toBeLessThanOrEqual(chunk.onsets[facility]);
  });
});

describe('schedules', () => {
  it('warms the learning rate up, then decays it by cosine to the floor', () => {
    const s = {
      learningRate: 1,
      minLearningRate: 0.1,
      warmupSteps: 10,
      totalSteps: 110,
      weightDecay: 0,
      clipNorm: 1,
    };
    expect(learningRateAt(0, s)).toBeCloseTo(0.1);
    expect(learningRateAt(9, s)).toBeCloseTo(1);
    expect(learningRateAt(60, s)).toBeCloseTo(0.55);
    expect(learningRateAt(110, s)).toBeCloseTo(0.1);
  });

  it('teacher-forces fully at first, then eases to the floor', () => {
    const c = CONFIGS.full;
    expect(teacherForcingAt(0, c)).toBe(1);
    expect(teacherForcingAt(c.steps * 0.3, c)).toBeLessThan(1);
    expect(teacherForcingAt(c.steps * 0.9, c)).toBe(0.5);
  });

  it("resumes v2 as v2-long: v2's teacher forcing at every step of v2, its floor after", () => {
    const [v2, long] = [CONFIGS.v2, CONFIGS['v2-long']];
    expect(long.steps).toBeGreaterThan(v2.steps);
    for (let step = 0; step <= v2.steps; step += 50) {
      expect(teacherForcingAt(step, long)).toBeCloseTo(teacherForcingAt(step, v2), 12);
    }
    for (let step = v2.steps; step <= long.steps; step += 500) {
      expect(teacherForcingAt(step, long)).toBe(v2.teacherForcing.floor);
    }
    // Everything but the schedule is v2's, so v2's checkpoint is a v2-long run at step 8,000.
    const schedule = { name: 'v2', steps: 0, teacherForcing: v2.teacherForcing };
    expect({ ...long, ...schedule }).toEqual({ ...v2, ...schedule });
  });
});

describe('resumable training', () => {
  beforeAll(() => tfReady());

  const config: TrainingConfig = {
    ...CONFIGS.smoke,
    steps: 6,
    checkpointEvery: 3,
    batchSize: 2,
  };
  const model: ModelConfig = {
    vocabSize: 64,
    contextLength: 16,
    dModel: 16,
    layers: 1,
    heads: 2,
    knownConcepts: 4,
    knownTopK: 2,
    unknownConcepts: 16,
    unknownTopK: 4,
    seed: 5,
  };

  it('takes the same steps when interrupted and resumed as when run straight through', () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'train-a-')), mkdtempSync(join(tmpdir(), 'train-b-'))];
    try {
      const stream = buildStream(chunks);
      const straight = train({ config, model, conceptLayer: true, stream, runDir: dirs[0] });
      // Interrupted at step 3 (the checkpoint then), resumed to the end.
      train({ config, model, conceptLayer: true, stream, runDir: dirs[1], stopAtStep: 3 });
      const resumed = train({ config, model, conceptLayer: true, stream, runDir: dirs[1] });
      expect(resumed.state.step).toBe(6);
      expect(resumed.state.random).toBe(straight.state.random);
      for (const name of Object.keys(straight.params)) {
        expect(Array.from(resumed.params[name].dataSync())).toEqual(
          Array.from(straight.params[name].dataSync()),
        );
      }
      expect(straight.state.losses.total).toBeGreaterThan(0);
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
