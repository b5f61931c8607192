import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelConfig } from 'src/model-training/model/model';
import { tfReady } from 'src/model-training/model/tf';
import { BOS, EOC, MASK } from 'src/model-training/tokenizer/bpe';
import { CONFIGS, teacherForcingAt, TrainingConfig } from 'src/model-training/train/configs';
import { buildStream, LabelledChunk, sampleBatch } from 'src/model-training/train/data';
import { learningRateAt } from 'src/model-training/train/optimizer';
import { Random } from 'src/model-training/train/random';
import { train } from 'src/model-training/train/trainer';

const chunks: LabelledChunk[] = [];
for (let d = 0; d < 6; d++) {
  for (let c = 0; c < 5; c++) {
    chunks.push({
      document: `doc${d}`,
      ids: Array.from({ length: 12 }, (_, i) => 10 + ((d * 7 + c * 3 + i) % 40)),
      labels: [(d + c) % 4],
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
  });

  it('labels each position with the chunk of the token it predicts, and never masks targets', () => {
    const batch = sampleBatch(stream, 4, 16, 4, new Random(3), 0.3);
    let masked = 0;
    for (let i = 0; i < batch.targets.length; i++) {
      expect(batch.targets[i]).not.toBe(MASK);
      if (batch.inputs[i] === MASK) masked++;
      const labels = batch.segmentLabels.slice(batch.segmentOf[i] * 4, batch.segmentOf[i] * 4 + 4);
      expect(labels.reduce((a, b) => a + b, 0)).toBe(1);
    }
    expect(masked).toBeGreaterThan(4);
    expect(masked).toBeLessThan(40);
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
