import { createHash, randomBytes } from 'node:crypto';
import { LogSlot, SCHEMA_VERSION } from 'src/log/log.types';
import {
  AppliedSteering,
  ConceptAttribution,
  DecodingSettings,
  ModelIdentity,
  TrainingDataAttribution,
} from 'src/evidence-format/attribution';
import { GeneratedChunk, GenerationResult } from 'src/model-runtime/generation.types';

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
  concepts: ConceptAttribution;
  context: {
    method: 'leave-one-out-mask';
    methodVersion: 1;
    effects: { position: number; logit: number; logProb: number }[];
  };
  trainingData: TrainingDataAttribution;
}

/** Record body, schema v1: what is canonicalised, hashed into the log and signed. */
export interface RecordBody {
  schemaVersion: 1;
  kind: 'record';
  id: string;
  tenant: string;
  logIndex: number;
  time: string;
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

/** The erasable part of a record: encrypted with the record's own key. */
export interface RecordText {
  prompt: string;
  output: string;
  promptSalt: string;
  outputSalt: string;
  promptTokens: string[];
  chunkTexts: string[];
}

export function commitment(salt: Buffer, text: string): string {
  return `sha256:${createHash('sha256').update(salt).update(text, 'utf8').digest('hex')}`;
}

export interface RecordParts {
  applicationName: string;
  applicationId: string;
  provenance: 'generated' | 'submitted';
  request: RequestContext;
  result: GenerationResult;
  policy: PolicyResult;
  /** Output length in tokens when `result.tokens` is not given (a submitted generation). */
  outputTokens?: number;
  /** `result.chunks` as the record holds them, when the caller has them already. */
  chunks?: RecordChunk[];
}

/** Splits a generation into its record body (given its slot) and its erasable text. */
export function recordParts(parts: RecordParts): {
  body: (slot: LogSlot) => RecordBody;
  text: RecordText;
  chunks: RecordChunk[];
} {
  const { result } = parts;
  const promptSalt = randomBytes(32);
  const outputSalt = randomBytes(32);
  const text: RecordText = {
    prompt: result.prompt,
    output: result.text,
    promptSalt: promptSalt.toString('base64'),
    outputSalt: outputSalt.toString('base64'),
    promptTokens: result.promptTokens,
    chunkTexts: result.chunks.map((c) => c.text),
  };
  const chunks = parts.chunks ?? result.chunks.map(recordChunk);
  const body = (slot: LogSlot): RecordBody => ({
    schemaVersion: SCHEMA_VERSION,
    kind: 'record',
    id: slot.id,
    tenant: slot.tenantId,
    logIndex: slot.logIndex,
    time: slot.time,
    application: { id: parts.applicationId, name: parts.applicationName },
    provenance: parts.provenance,
    request: parts.request,
    model: result.model,
    decoding: result.decoding,
    steering: result.steering,
    prompt: {
      commitment: commitment(promptSalt, result.prompt),
      characters: result.prompt.length,
      tokens: result.promptTokens.length,
    },
    output: {
      commitment: commitment(outputSalt, result.text),
      characters: result.text.length,
      tokens: parts.outputTokens ?? result.tokens.length,
    },
    chunks,
    policy: parts.policy,
  });
  return { body, text, chunks };
}

/** A generated chunk as the record holds it (no text). */
export function recordChunk(chunk: GeneratedChunk): RecordChunk {
  return {
    index: chunk.index,
    start: chunk.start,
    end: chunk.end,
    concepts: plain(chunk.concepts),
    context: {
      method: chunk.context.method,
      methodVersion: chunk.context.methodVersion,
      effects: chunk.context.effects.map(({ position, logit, logProb }) => ({
        position,
        logit,
        logProb,
      })),
    },
    trainingData: plain(chunk.trainingData),
  };
}

/** The JSON value of a runtime structure: optional members that are absent stay absent. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Largest share of each named concept over the record's chunks: what search filters on. */
export function conceptShares(chunks: readonly RecordChunk[]): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const chunk of chunks) {
    for (const c of chunk.concepts.known) {
      if (c.key) shares[c.key] = Math.max(shares[c.key] ?? 0, c.share);
    }
  }
  return shares;
}
