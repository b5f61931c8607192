import { createHash } from 'node:crypto';
import {
  AppliedSteering,
  ConceptAttribution,
  DecodingSettings,
  ModelIdentity,
  TrainingDataAttribution,
} from 'src/evidence-format/attribution';
import { EntryStamp } from 'src/evidence-format/entry';
import { WordEffect } from 'src/evidence-format/prompt-words';

/** What the calling application says about the request (EU AI Act Art. 12, GDPR Art. 22). */
export interface RequestContext {
  purpose: string | null;
  caseId: string | null;
  /** A pseudonymous reference to the person the output is about; never a name. */
  subjectRef: string | null;
  /** Whether a decision about that person is made by the output alone, without a human. */
  solelyAutomatedDecision: boolean;
}

export interface PolicyResult {
  policyId: string | null;
  policyVersion: number | null;
  /** SHA-256 (hex) of the canonical JSON of the rules of that version; null without a policy. */
  rulesSha256: string | null;
  outcome: 'pass' | 'flag' | 'block';
  results: { rule: string; outcome: 'pass' | 'flag' | 'block'; detail: string }[];
}

/** A text's commitment: SHA-256 over a random 32-byte salt and the UTF-8 text (hex). */
export interface TextCommitment {
  commitment: string;
  characters: number;
  tokens: number;
}

/**
 * A chunk's attribution as the record holds it: no text (that is stored encrypted beside the
 * record and can be erased); context effects name prompt positions, not their tokens.
 */
export interface RecordChunk {
  index: number;
  start: number;
  end: number;
  /** The chunk's text has no letter or digit (absent: it has, or the record predates the mark). */
  noContent?: true;
  concepts: ConceptAttribution;
  context: {
    method: 'leave-one-out-mask';
    /** 2: `words` states the whole words; 1: records made before. */
    methodVersion: 1 | 2;
    effects: { position: number; logit: number; logProb: number }[];
    words?: WordEffect[];
  };
  trainingData: TrainingDataAttribution;
}

/** Record body, schema v1: what is canonicalised, hashed into the log and signed. */
export interface RecordBody extends EntryStamp {
  schemaVersion: 1;
  kind: 'record';
  application: { id: string; name: string };
  provenance: 'generated' | 'submitted';
  request: RequestContext;
  model: ModelIdentity;
  decoding: DecodingSettings;
  steering: AppliedSteering[];
  prompt: TextCommitment;
  output: TextCommitment;
  chunks: RecordChunk[];
  policy: PolicyResult;
}

/** A record body before the log stamps it (see EntryStamp). */
export type RecordContent = Omit<RecordBody, keyof EntryStamp>;

/** A text's salted commitment as a record body states it: `sha256:` and the hex digest. */
export function commitment(salt: Buffer, text: string): string {
  return `sha256:${createHash('sha256').update(salt).update(text, 'utf8').digest('hex')}`;
}
