/**
 * The attribution structures a record body holds, as the evidence format defines them: the
 * model's identity, decoding and steering, and per chunk the concept decomposition and the
 * training-data similarity. The model runtime produces them, records sign them, reports and the
 * verifier read them. Types, and the one calibration rule records are checked against.
 */

/** Where a training chunk comes from: the corpus document, span, licence and content hash. */
export interface ChunkProvenance {
  chunk: string;
  source: string;
  document: string;
  /** Character span in the document, end exclusive. */
  start: number;
  end: number;
  licence: string;
  sha256: string;
}

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

export interface AppliedSteering {
  conceptId: number;
  concept: string;
  mode: SteeringMode;
  /** The weight forced at the concept head at every position (0 for suppression). */
  weight: number;
  penalty: number;
  /**
   * 'concept-specific': steering acted on the concept's own part of its effect row (the row less
   * the part all named rows share): the penalty is penalty · ReLU(own part), and amplification
   * takes weight · shared part back off the logits. Absent in records made before: the whole row.
   */
  acts?: 'concept-specific';
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
  /**
   * Known concepts only, methodVersion 2: the concept was steered, so its weight here is the one
   * we forced, not one the model chose: not a reason drawn from the input.
   */
  steered?: SteeringMode;
  /**
   * Known concepts only, methodVersion 3: the highest probability the concept's detector gave over
   * the positions that chose the chunk's tokens, read from the text before any steering (0..1). At
   * DETECTED_AT or above, the model recognised the concept in what it read; below, the concept
   * contributed through its row while the model was unsure it was there.
   */
  detection?: number;
}

/** Method version 3: a named concept whose detector reached this is detected in the text. */
export const DETECTED_AT = 0.5;

/**
 * A named concept whose record says its detector stayed below DETECTED_AT: it is not a reason
 * drawn from the text. Records before version 3 do not say, so nothing in them is this.
 */
export function undetected(concept: { detection?: number }): boolean {
  return concept.detection !== undefined && concept.detection < DETECTED_AT;
}

/**
 * A detection as readers are shown it: two decimals, never rounded across DETECTED_AT (0.496 is
 * "0.49", not the "0.50" that would read as detected).
 */
export function detectionFigure(detection: number): string {
  const hundredths =
    detection < DETECTED_AT ? Math.floor(detection * 100 + 1e-9) : Math.round(detection * 100);
  return (hundredths / 100).toFixed(2);
}

export interface ConceptAttribution {
  method: 'concept-decomposition';
  /**
   * 3: each named concept states its detection. 2: steered named concepts are marked `steered`,
   * and the steering term may have either sign (amplification takes the shared part of a row back
   * off). 1: records made before.
   */
  methodVersion: 1 | 2 | 3;
  known: ConceptShare[];
  unknown: ConceptShare[];
  knownShare: number;
  unknownShare: number;
  /** The unexplained (ε) share. */
  epsilonShare: number;
  /** The steering term's share (0 without steering): the four shares add up to 1. */
  steeringShare: number;
  /** Mean logit moved by the steering term (0 without it; at most 0 in version 1). */
  steeringPenalty: number;
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
  /**
   * Method version 3: the score against the base rate, (score − median) / (ceiling − median) of
   * the baseline (0 when the ceiling is not above the median): 1 is as close as the best of the
   * sampled chunks, which chance alone reaches.
   */
  calibrated?: number;
  /**
   * Method version 3: the match is no clearer than chance (calibrated below
   * WEAK_MATCH_BELOW): listed, but not evidence that the text draws on this chunk.
   */
  weak?: boolean;
}

/** Method version 3: a match calibrated below this is flagged weak. */
export const WEAK_MATCH_BELOW = 1.5;

/**
 * What the same text scores against training chunks taken evenly across the whole training
 * index: the base rate its best matches are read against.
 */
export interface TrainingBaseline {
  /** Chunks sampled: evenly spaced over the training index (all of them in a smaller one). */
  sampledChunks: number;
  /** Median score of the sampled chunks. */
  median: number;
  /** Highest score among them. */
  ceiling: number;
}

/** A score against the base rate (see TrainingChunkMatch.calibrated). */
export function calibratedScore(score: number, baseline: TrainingBaseline): number {
  const spread = baseline.ceiling - baseline.median;
  return spread > 0 ? (score - baseline.median) / spread : 0;
}

export interface TrainingDataAttribution {
  method: 'concept-signature-similarity';
  /** 3: adds the baseline and each match's calibrated score and weak flag; 2: records before. */
  methodVersion: 2 | 3;
  /** Always says it: this is similarity in the model's concept space, not causal influence. */
  interpretation: string;
  /**
   * Source → share of the chunk's concept use, each concept's weight spread over the sources in
   * proportion to its lift there (its share in the source over the source's share of the
   * training chunks); sums to 1.
   */
  sources: Record<string, number>;
  /** Method version 3: the base rate the matches are calibrated against. */
  baseline?: TrainingBaseline;
  chunks: TrainingChunkMatch[];
}

/**
 * The training matches a reader may be shown as the chunk's: none for a chunk marked `noContent`
 * (punctuation or an end token alone), which has nothing for a passage to resemble. The record
 * keeps them as computed; reports, the portal and the CLI read them through this.
 */
export function citableMatches(chunk: {
  noContent?: true;
  trainingData: { chunks: TrainingChunkMatch[] };
}): TrainingChunkMatch[] {
  return chunk.noContent ? [] : chunk.trainingData.chunks;
}
