/**
 * Explanation statements: what one record's attribution says, in plain language, for a reviewer
 * and for the explanation owed to the person the output is about. Every sentence names the
 * record fields it rests on (cites) so a report can check each one before it prints it.
 */
import { RecordBody } from 'src/evidence-format/record-body';

/** One whole prompt word and its leave-one-out effect on one chunk, merged from token pieces. */
export interface ContextWord {
  word: string;
  /** Character span in the prompt, end exclusive: `prompt.slice(start, end) === word`. */
  start: number;
  end: number;
  /**
   * Summed over the word's tokens and the chunk's tokens: how much the chunk's log-probability
   * (nats) drops when the word is masked. Positive: the word made the text more likely.
   */
  effect: number;
}

/** A concept-dictionary entry of the model, by concept key. */
export interface ConceptEntry {
  name: string;
  group: string;
  description: string;
}

/** A review entry of the record (a separate log entry that references it). */
export interface ReviewEntry {
  verdict: string | null;
  note: string | null;
  by: string;
  /** RFC 3339, as the review's log entry states it. */
  time: string;
}

/** The record's text as stored beside it; null once erased (the commitments stay). */
export interface RecordText {
  prompt: string;
  output: string;
  /** The output text of each chunk, in chunk order (for per-chunk views; not quoted here). */
  chunkTexts: string[];
}

export interface ExplanationInput {
  body: RecordBody;
  text: RecordText | null;
  /** Per chunk, in chunk order; null when unavailable. Ignored when the text was erased. */
  contextWords: ContextWord[][] | null;
  /** The model's concept dictionary by concept key. */
  concepts: Record<string, ConceptEntry>;
  /** Each training source's share of the training chunks (0..1), the base rate to compare to. */
  trainingBaseRates: Record<string, number>;
  reviews: ReviewEntry[];
}

export type Sufficiency = 'meaningful' | 'limited' | 'insufficient';

export const SENTENCE_TOPICS = [
  'role',
  'concepts',
  'context',
  'training-data',
  'steering',
  'policy',
  'unexplained',
  'human-oversight',
  'limits',
] as const;
export type SentenceTopic = (typeof SENTENCE_TOPICS)[number];

export interface ExplanationSentence {
  text: string;
  /** Paths the sentence rests on; see cite-resolver.ts for their grammar. */
  cites: string[];
  topic: SentenceTopic;
}

/** A named concept given as a principal reason (Reg B 1002.9 style). Never a steered one. */
export interface PrincipalReason {
  /** Concept key. */
  concept: string;
  name: string;
  /** Length-weighted share over the record's chunks, 0..1. */
  share: number;
  /** The highest detection the record states for it (concept method version 3), 0..1. */
  detection?: number;
  cites: string[];
}

export interface ObligationSupport {
  id: ObligationId;
  label: string;
  /** The topics of this statement's sentences that support the obligation (may be empty). */
  supportedBy: SentenceTopic[];
  /** One line for the report: "Provides evidence for …" (never a claim that it is met). */
  summary: string;
}

export interface ExplanationStatement {
  sufficiency: Sufficiency;
  /** Length-weighted mean of the chunks' knownShare, 0..1. */
  namedShare: number;
  sentences: ExplanationSentence[];
  principalReasons: PrincipalReason[];
  obligations: ObligationSupport[];
}

export const OBLIGATION_IDS = [
  'eu-ai-act-art-12',
  'eu-ai-act-art-19',
  'eu-ai-act-art-26-6',
  'eu-ai-act-art-86',
  'gdpr-art-22',
  'gdpr-art-15-1-h',
  'hipaa-164-312-b',
  'sec-17a-4-f',
  'reg-b-1002-9',
] as const;
export type ObligationId = (typeof OBLIGATION_IDS)[number];
