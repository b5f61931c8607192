import { ChunkProvenance } from 'src/model-package/model-package';

/**
 * What a generation produces: the text, and for every chunk of it the three attributions, each
 * naming its method and version. The records issue signs this structure as it is.
 */

export interface ModelIdentity {
  name: string;
  version: string;
  /** SHA-256 of manifest.json: it names the SHA-256 of every other file. */
  manifestSha256: string;
  files: Record<string, string>;
}

export interface DecodingSettings {
  maxTokens: number;
  /** 0 means greedy. */
  temperature: number;
  topP: number;
  seed: number;
  /** Where generation stopped: the token budget, the end-of-sequence token or the context length. */
  stoppedBy: 'max_tokens' | 'end_of_sequence' | 'context_length' | 'given_text';
}

export type SteeringMode = 'suppress' | 'amplify';

export interface SteeringRequest {
  /** A known concept's key, such as `health.medication`. */
  concept: string;
  mode: SteeringMode;
  /** Amplify: the concept weight to force (default 1). */
  weight?: number;
  /** Suppress: strength s of the logit penalty s · ReLU(effect) (default 1; 0 turns it off). */
  penalty?: number;
}

export interface AppliedSteering {
  conceptId: number;
  concept: string;
  mode: SteeringMode;
  /** The weight forced at the concept head at every position (0 for suppression). */
  weight: number;
  penalty: number;
}

export interface ConceptShare {
  id: number;
  /** Known concepts only. */
  key?: string;
  name?: string;
  group?: string;
  /** Unknown concepts only: the tokens the concept pushes up most. */
  topTokens?: string[];
  /** Mean logit contribution to the chunk's tokens. */
  contribution: number;
  /** Mean share of |contributions| per token (Steerling's chunk attribution). */
  share: number;
}

export interface ConceptAttribution {
  method: 'concept-decomposition';
  methodVersion: 1;
  known: ConceptShare[];
  unknown: ConceptShare[];
  knownShare: number;
  unknownShare: number;
  /** The unexplained (ε) share. */
  epsilonShare: number;
  /** The suppression penalty's share (0 without one): the four shares add up to 1. */
  steeringShare: number;
  /** Mean logit moved by the suppression penalty (0 without one). */
  steeringPenalty: number;
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

export interface ContextAttribution {
  method: 'leave-one-out-mask';
  methodVersion: 1;
  effects: ContextEffect[];
}

export interface TrainingChunkMatch extends ChunkProvenance {
  /** The chunk's most similar paragraph: its character span in the document. */
  segment: { start: number; end: number };
  /** The ranking score: the mean of the two below, 0..1. */
  score: number;
  /** Cosine similarity of idf-weighted mean concept signatures, 0..1. */
  conceptSimilarity: number;
  /**
   * The idf-weighted share of the paragraph's rarest concept bigrams (consecutive positions'
   * strongest concepts) that also occur in this text, 0..1: high when the text follows the
   * paragraph's concepts in the same order, as a reproduction does.
   */
  sequenceMatch: number;
}

export interface TrainingDataAttribution {
  method: 'concept-signature-similarity';
  methodVersion: 2;
  /** Always says it: this is similarity in the model's concept space, not causal influence. */
  interpretation: string;
  /**
   * Source → share of the chunk's concept use, each concept's weight spread over the sources in
   * proportion to its lift there (its share in the source over the source's share of the
   * training chunks); sums to 1.
   */
  sources: Record<string, number>;
  chunks: TrainingChunkMatch[];
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
