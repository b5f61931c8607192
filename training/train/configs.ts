import { VERSION_1_SOURCES } from 'training/corpus/build-corpus';
import { SourceName } from 'training/corpus/sources';
import { ModelConfig } from 'training/model/model';
import { ObjectiveSettings } from 'training/train/objective';
import { OptimizerSettings } from 'training/train/optimizer';

export interface TrainingConfig {
  name: 'smoke' | 'full' | 'v2' | 'v2-long';
  /** The build folder its corpus and tokenizer are prepared in (`build` when not said). */
  build?: string;
  /** The corpus's sources, in build order. */
  sources: SourceName[];
  /** Train the tokenizer with the concepts' own words boosted (see conceptWordBoost). */
  boostConceptWords?: boolean;
  vocabSize: number;
  /** Model shape; knownConcepts comes from the taxonomy at run time. */
  model: Omit<ModelConfig, 'vocabSize' | 'knownConcepts' | 'unknownConcepts'> & {
    unknownPerKnown: number;
  };
  batchSize: number;
  steps: number;
  optimizer: Omit<OptimizerSettings, 'totalSteps'>;
  objective: Omit<ObjectiveSettings, 'conceptLayer' | 'teacherForcing'>;
  /** Teacher forcing of the known part: 1 until `holdUntil`, cosine down to `floor` at `reachAt`. */
  teacherForcing: { holdUntil: number; reachAt: number; floor: number };
  /** For the smoke run: train on a slice of the corpus only. */
  maxChunks?: number;
  checkpointEvery: number;
}

const OBJECTIVE = {
  epsilonGateRate: 0.25,
  conceptPathWeight: 1,
  knownPathWeight: 1,
  conceptWeight: 1,
  positionConceptWeight: 1,
  reconstructionWeight: 1,
  independenceWeight: 1,
  positiveWeight: 4,
  frequencyPrior: 'none',
  sharedDirectionWeight: 0,
  knownPathWindow: 0,
} satisfies TrainingConfig['objective'];

// The shipped shape and optimiser (MODEL-NOTES §4.2), shared by version 1 and version 2.
const FULL_SHAPE: TrainingConfig['model'] = {
  contextLength: 128,
  dModel: 128,
  layers: 4,
  heads: 4,
  knownTopK: 8,
  unknownPerKnown: 4,
  unknownTopK: 16,
  seed: 1,
};

const FULL_OPTIMIZER: TrainingConfig['optimizer'] = {
  learningRate: 2e-3,
  minLearningRate: 2e-4,
  warmupSteps: 200,
  weightDecay: 0.1,
  decayExempt: ['knownEmbedding', 'unknownEmbedding'],
  clipNorm: 1,
};

// Version 2 (issue 13): named concepts that mean what their names say. The corpus adds the FHIR
// specification's clinical and claims prose, in its own build folder; the tokenizer has 6,144
// tokens and counts the concepts' own words 8 times over, so that 22 of 28 common health and
// finance words are whole tokens (14 at 4,096 without the boost). The objective's changes were
// each tried on this shape first (the model card gives the trials).
const V2: TrainingConfig = {
  name: 'v2',
  sources: [...VERSION_1_SOURCES, 'fhir'],
  build: 'build/v2',
  boostConceptWords: true,
  vocabSize: 6144,
  model: FULL_SHAPE,
  batchSize: 8,
  steps: 8_000,
  optimizer: FULL_OPTIMIZER,
  objective: {
    ...OBJECTIVE,
    frequencyPrior: 'known',
    sharedDirectionWeight: 1,
    knownPathWindow: 16,
  },
  teacherForcing: { holdUntil: 0.15, reachAt: 0.5, floor: 0.5 },
  checkpointEvery: 200,
};

export const CONFIGS: Record<TrainingConfig['name'], TrainingConfig> = {
  // Trains, exports and checks a tiny model in CI in well under three minutes.
  smoke: {
    name: 'smoke',
    sources: VERSION_1_SOURCES,
    vocabSize: 1024,
    model: {
      contextLength: 64,
      dModel: 64,
      layers: 2,
      heads: 4,
      knownTopK: 8,
      unknownPerKnown: 4,
      unknownTopK: 16,
      seed: 1,
    },
    batchSize: 8,
    steps: 120,
    optimizer: {
      learningRate: 3e-3,
      minLearningRate: 3e-4,
      warmupSteps: 20,
      weightDecay: 0.1,
      decayExempt: ['knownEmbedding', 'unknownEmbedding'],
      clipNorm: 1,
    },
    objective: OBJECTIVE,
    teacherForcing: { holdUntil: 0.15, reachAt: 0.5, floor: 0.5 },
    maxChunks: 4000,
    checkpointEvery: 60,
  },
  // The shipped model (MODEL-NOTES §4.2 shape); resumable across sessions. The learning rate is
  // 2e-3, not the notes' 3e-4 (for batches of 32–64): in a same-seed trial at batch 8, 3e-4 trailed
  // by 0.42 nats of training loss at step 300.
  full: {
    name: 'full',
    sources: VERSION_1_SOURCES,
    vocabSize: 4096,
    model: FULL_SHAPE,
    batchSize: 8,
    steps: 5_500,
    optimizer: FULL_OPTIMIZER,
    objective: OBJECTIVE,
    teacherForcing: { holdUntil: 0.15, reachAt: 0.5, floor: 0.5 },
    checkpointEvery: 200,
  },
  v2: V2,
  // Version 2 trained three times as long, for perplexity (issue 13: 86.3 at 8,000 steps against
  // the KN trigram's 53.4). Resumed from v2's finished 8,000-step checkpoint, so its first 8,000
  // steps are v2's; teacher forcing reaches its floor at the same step (4,000) as in v2, and from
  // step 8,000 the learning rate follows this schedule's cosine (1.6e-3 at 8,000, a warm restart
  // from v2's 2e-4, down to 2e-4 at 24,000).
  'v2-long': {
    ...V2,
    name: 'v2-long',
    steps: 24_000,
    teacherForcing: { holdUntil: 0.05, reachAt: 4_000 / 24_000, floor: 0.5 },
  },
};

export function teacherForcingAt(step: number, config: TrainingConfig): number {
  const { holdUntil, reachAt, floor } = config.teacherForcing;
  const progress = step / config.steps;
  if (progress <= holdUntil) return 1;
  if (progress >= reachAt) return floor;
  const x = (progress - holdUntil) / (reachAt - holdUntil);
  return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * x));
}
