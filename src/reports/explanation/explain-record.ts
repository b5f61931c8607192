/**
 * explainRecord: one record's explanation statement. Pure and deterministic (no clock, no
 * randomness, locale-free ordering): the same record and inputs always give the same statement,
 * so a statement in a report can be re-derived from the evidence package and compared.
 */
import { shareSummary } from './aggregate';
import {
  conceptSentences,
  contextSentences,
  sufficiencyOf,
  trainingSentences,
  unexplainedSentences,
} from './attribution-sentences';
import { ExplanationInput, ExplanationStatement } from './explanation.types';
import { obligationsFor } from './obligations';
import {
  limitsSentences,
  oversightSentences,
  policySentences,
  roleSentences,
  steeringSentences,
} from './record-sentences';

/** The caller's inputs do not fit the record (a bug upstream, not a property of the record). */
export class ExplanationInputError extends Error {
  override name = 'ExplanationInputError';
}

/**
 * The sentences come in reading order: the system's role; how much named concepts explain (it
 * qualifies everything after it); the principal concepts; the prompt words; the training data;
 * steering and policy; human oversight; the statement's limits.
 */
export function explainRecord(input: ExplanationInput): ExplanationStatement {
  checkInput(input);
  const { body } = input;
  const namedShare = shareSummary(body).named;
  const sufficiency = sufficiencyOf(namedShare);
  const concepts = conceptSentences(body, input.concepts, sufficiency);
  const sentences = [
    ...roleSentences(body),
    ...unexplainedSentences(body, sufficiency),
    ...concepts.sentences,
    ...contextSentences(body, input.text, input.contextWords),
    ...trainingSentences(body, input.trainingBaseRates),
    ...steeringSentences(body, input.concepts),
    ...policySentences(body),
    ...oversightSentences(input.reviews),
    ...limitsSentences(),
  ];
  return {
    sufficiency,
    namedShare,
    sentences,
    principalReasons: concepts.principalReasons,
    obligations: obligationsFor(concepts.principalReasons.length > 0),
  };
}

function checkInput({ body, text, contextWords }: ExplanationInput): void {
  // Words of an erased text are never shown, so they are not checked against it either.
  if (text === null || contextWords === null) return;
  if (contextWords.length !== body.chunks.length) {
    throw new ExplanationInputError(
      `contextWords has ${contextWords.length} chunks, the record ${body.chunks.length}`,
    );
  }
  contextWords.forEach((words, c) =>
    words.forEach((w) => {
      // The statement quotes the prompt span, so a word that differs from it would be a quote
      // the record does not back.
      if (text.prompt.slice(w.start, w.end) !== w.word || w.start >= w.end) {
        throw new ExplanationInputError(
          `chunk ${c}: word ${JSON.stringify(w.word)} is not the prompt's text at [${w.start}:${w.end}]`,
        );
      }
      if (!Number.isFinite(w.effect)) {
        throw new ExplanationInputError(
          `chunk ${c}: word at [${w.start}:${w.end}] has no finite effect`,
        );
      }
    }),
  );
}
