import { randomBytes } from 'node:crypto';
import { SCHEMA_VERSION } from 'src/evidence-format/entry';
import {
  commitment,
  PolicyResult,
  RecordChunk,
  RecordContent,
  RequestContext,
} from 'src/evidence-format/record-body';
import {
  ContextAttribution,
  GeneratedChunk,
  GenerationResult,
} from 'src/model-runtime/generation.types';
import { hasContent, WordEffect } from 'src/evidence-format/prompt-words';

/** The erasable part of a record: encrypted with the record's own key. */
export interface RecordText {
  prompt: string;
  output: string;
  promptSalt: string;
  outputSalt: string;
  promptTokens: string[];
  chunkTexts: string[];
}

/** What a record is made of, once generation (or validation) and the policy have run. */
export interface RecordInput {
  application: { id: string; name: string };
  provenance: 'generated' | 'submitted';
  request: RequestContext;
  result: ResultToRecord;
  /** `result.chunks` as the record holds them. */
  chunks: RecordChunk[];
  policy: PolicyResult;
  /** Output length in tokens when `result.tokens` is not given (a submitted generation). */
  outputTokens?: number;
}

/**
 * A record before the log stamps it: the body's content, which commits to the prompt and the
 * output with fresh salts, and the erasable text that holds them.
 */
export interface RecordDraft {
  content: RecordContent;
  text: RecordText;
}

export function recordDraft(input: RecordInput): RecordDraft {
  const { result } = input;
  const promptSalt = randomBytes(32);
  const outputSalt = randomBytes(32);
  return {
    content: {
      schemaVersion: SCHEMA_VERSION,
      kind: 'record',
      application: input.application,
      provenance: input.provenance,
      request: input.request,
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
        tokens: input.outputTokens ?? result.tokens.length,
      },
      chunks: input.chunks,
      policy: input.policy,
    },
    text: {
      prompt: result.prompt,
      output: result.text,
      promptSalt: promptSalt.toString('base64'),
      outputSalt: outputSalt.toString('base64'),
      promptTokens: result.promptTokens,
      chunkTexts: result.chunks.map((c) => c.text),
    },
  };
}

/**
 * A chunk to record: the runtime's, or one an application submits, whose context attribution
 * may be method version 1 (per piece only, no words).
 */
export type ChunkToRecord = Omit<GeneratedChunk, 'context'> & {
  context: Pick<ContextAttribution, 'method' | 'effects'> & {
    methodVersion: 1 | 2;
    words?: (WordEffect & { text?: string })[];
  };
};

/** A generation to record: the runtime's result, or an application's submission. */
export type ResultToRecord = Omit<GenerationResult, 'chunks'> & { chunks: ChunkToRecord[] };

/** A generated chunk as the record holds it (no text). */
export function recordChunk(chunk: ChunkToRecord): RecordChunk {
  return {
    index: chunk.index,
    start: chunk.start,
    end: chunk.end,
    // Decided here from the text, for submissions too: the record keeps no text to decide later.
    ...(hasContent(chunk.text) ? {} : { noContent: true as const }),
    concepts: plain(chunk.concepts),
    context: {
      method: chunk.context.method,
      methodVersion: chunk.context.methodVersion,
      effects: chunk.context.effects.map(({ position, logit, logProb }) => ({
        position,
        logit,
        logProb,
      })),
      ...(chunk.context.words
        ? {
            words: chunk.context.words.map(({ start, end, logit, logProb }) => ({
              start,
              end,
              logit,
              logProb,
            })),
          }
        : {}),
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

/**
 * Highest detection of each named concept over the record's chunks: what search reads to find
 * the records where a concept was detected, or stated and not detected. Null when the record
 * states no detection (concept-decomposition method versions 1 and 2).
 */
export function conceptDetections(chunks: readonly RecordChunk[]): Record<string, number> | null {
  const detections: Record<string, number> = {};
  let stated = false;
  for (const chunk of chunks) {
    for (const c of chunk.concepts.known) {
      if (!c.key || c.detection === undefined) continue;
      stated = true;
      detections[c.key] = Math.max(detections[c.key] ?? 0, c.detection);
    }
  }
  return stated ? detections : null;
}
