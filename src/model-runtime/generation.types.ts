import {
  AppliedSteering,
  ConceptAttribution,
  DecodingSettings,
  ModelIdentity,
  SteeringMode,
  TrainingDataAttribution,
} from 'src/evidence-format/attribution';
import { WordEffect } from 'src/evidence-format/prompt-words';

/**
 * What a generation produces: the text, and for every chunk of it the three attributions, each
 * naming its method and version. The records issue signs this structure as it is.
 */

export interface SteeringRequest {
  /** A known concept's key, such as `health.medication`. */
  concept: string;
  mode: SteeringMode;
  /** Amplify: the concept weight to force (default 1). */
  weight?: number;
  /** Suppress: strength s of the logit penalty s · ReLU(effect) (default 1; 0 turns it off). */
  penalty?: number;
}

export interface ContextEffect {
  /** Index of the prompt token (0 = first prompt token). */
  position: number;
  token: string;
  /** Sum over the chunk's tokens of logit(with the token) − logit(with it masked). */
  logit: number;
  /** The same in log-probability. */
  logProb: number;
}

/** A whole prompt word (its pieces joined) and its pieces' effects summed. */
export interface ContextWordEffect extends WordEffect {
  text: string;
}

export interface ContextAttribution {
  method: 'leave-one-out-mask';
  /** 2: whole words beside the per-piece effects. */
  methodVersion: 2;
  /** Each prompt word, its pieces' effects summed: what a reviewer reads. */
  words: ContextWordEffect[];
  /** Per prompt token (piece): the measured detail. */
  effects: ContextEffect[];
}

export interface TokenDecomposition {
  /** Index in the generated text (0 = first generated token). */
  index: number;
  token: string;
  id: number;
  logit: number;
  logProb: number;
  knownTotal: number;
  unknownTotal: number;
  epsilon: number;
  steeringPenalty: number;
}

export interface GeneratedChunk {
  index: number;
  text: string;
  /** Token range in the generated text, end exclusive. */
  start: number;
  end: number;
  /** Set when the chunk has no letter or digit (punctuation or an end token only). */
  noContent?: true;
  concepts: ConceptAttribution;
  context: ContextAttribution;
  trainingData: TrainingDataAttribution;
}

export interface GenerationResult {
  model: ModelIdentity;
  prompt: string;
  promptTokens: string[];
  text: string;
  decoding: DecodingSettings;
  steering: AppliedSteering[];
  tokens: TokenDecomposition[];
  chunks: GeneratedChunk[];
}

export interface GenerationOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  steering?: SteeringRequest[];
  /** Chunking: a chunk ends at a sentence end or after this many tokens (default 16). */
  chunkTokens?: number;
  /** Attributions to compute (default all); plain generation skips them. */
  attributions?: boolean;
  /** Stop at the end-of-sequence or end-of-chunk token (default true); false writes maxTokens. */
  stopAtEnd?: boolean;
}
