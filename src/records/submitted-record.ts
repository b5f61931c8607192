import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { FieldProblem, ValidationFailedError } from 'src/common/domain-error';
import {
  AppliedSteering,
  calibratedScore,
  DecodingSettings,
  ModelIdentity,
  TrainingBaseline,
  WEAK_MATCH_BELOW,
} from 'src/evidence-format/attribution';
import { GeneratedChunk } from 'src/model-runtime/generation.types';
import {
  PolicyResult,
  RecordBody,
  RecordChunk,
  RequestContext,
} from 'src/evidence-format/record-body';
import { hasContent, wordEffects, WordEffect, wordRanges } from 'src/evidence-format/prompt-words';
import { ChunkToRecord, RecordInput, ResultToRecord } from 'src/records/record-draft';
import {
  FORMAT_RULES,
  PATTERN_RULES,
  RECORD_BODY_SCHEMA,
  SHARE_SUM_TOLERANCE,
  SUBMITTED_RECORD_SCHEMA,
} from 'src/evidence-format/record-schema';

/** What the calling application may say about a submitted generation. */
export interface SubmittedContext {
  purpose?: string;
  caseId?: string;
  subjectRef?: string;
  solelyAutomatedDecision?: boolean;
}

/**
 * The body of `POST /v1/records`: a generation made by the application's own interpretable model
 * server, with the attributions that server computed (chunks with their text, context effects
 * with their prompt token). The shape of SUBMITTED_RECORD_SCHEMA.
 */
export interface SubmittedRecord {
  prompt: string;
  output: string;
  promptTokens: string[];
  outputTokens: number;
  model: ModelIdentity;
  decoding: DecodingSettings;
  steering: AppliedSteering[];
  chunks: ChunkToRecord[];
  context?: SubmittedContext;
}

/** Most fields one answer lists: enough to fix a request, bounded for a hostile one. */
const MAX_REPORTED_FIELDS = 100;

// Compiled once. Strict mode makes a schema mistake an error at load time, and rejects NaN and
// ±Infinity (strictNumbers) for callers that pass JavaScript values rather than parsed JSON.
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv, ['uuid', 'date-time']);
const checkSubmitted: ValidateFunction = ajv.compile(SUBMITTED_RECORD_SCHEMA);
const checkBody: ValidateFunction = ajv.compile(RECORD_BODY_SCHEMA);

/**
 * Checks a submitted generation against SUBMITTED_RECORD_SCHEMA, then (once its shape is right)
 * against what the schema cannot say. Throws a ValidationFailedError listing every problem.
 */
export function validateSubmittedRecord(payload: unknown): SubmittedRecord {
  const problems = schemaProblems(checkSubmitted, payload);
  if (problems.length > 0) throw new ValidationFailedError(problems);
  const submitted = payload as SubmittedRecord;
  const semantic = submittedProblems(submitted);
  if (semantic.length > 0) throw new ValidationFailedError(semantic);
  return submitted;
}

/**
 * The problems of a record body against RECORD_BODY_SCHEMA and the rules it states in words
 * (chunk ranges, share sums, unique ids); empty when the body is a valid v1 record.
 */
export function validateRecordBody(body: unknown): FieldProblem[] {
  const problems = schemaProblems(checkBody, body);
  if (problems.length > 0) return problems;
  const record = body as RecordBody;
  const found = new Problems();
  checkChunks(record.chunks, record.output.tokens, 'output.tokens', record.prompt.tokens, found);
  checkSteering(record.steering, found);
  if ((record.policy.policyId === null) !== (record.policy.policyVersion === null)) {
    found.add('policy.policyVersion', 'must be null exactly when policyId is null');
  }
  if ((record.policy.policyId === null) !== (record.policy.rulesSha256 === null)) {
    found.add('policy.rulesSha256', 'must be null exactly when policyId is null');
  }
  return found.list();
}

/** The request context a record holds: absent members become null (and false). */
export function toRequestContext(submitted: SubmittedRecord): RequestContext {
  const context = submitted.context ?? {};
  return {
    purpose: context.purpose ?? null,
    caseId: context.caseId ?? null,
    subjectRef: context.subjectRef ?? null,
    solelyAutomatedDecision: context.solelyAutomatedDecision ?? false,
  };
}

/**
 * A submitted generation as the runtime's result structure, for `recordDraft`. A submission has
 * no per-token decomposition, and `recordDraft` only counts `tokens`: each of the outputTokens
 * entries is a placeholder whose numbers are NaN, so that nothing can sign them by mistake
 * (canonical JSON refuses NaN).
 */
export function toGenerationResult(submitted: SubmittedRecord): ResultToRecord {
  return {
    model: submitted.model,
    prompt: submitted.prompt,
    promptTokens: submitted.promptTokens,
    text: submitted.output,
    decoding: submitted.decoding,
    steering: submitted.steering,
    // A submission has no per-token decomposition; nothing is invented in its place.
    tokens: [],
    chunks: submitted.chunks,
  };
}

/**
 * A submitted generation as the record holds it, with its chunks as the record holds them and
 * the application's policy's verdict on them; the record states the token count sent.
 */
export function submittedRecordInput(
  submitted: SubmittedRecord,
  application: { id: string; name: string },
  chunks: RecordChunk[],
  policy: PolicyResult,
): RecordInput {
  return {
    application,
    provenance: 'submitted',
    request: toRequestContext(submitted),
    result: toGenerationResult(submitted),
    chunks,
    policy,
    outputTokens: submitted.outputTokens,
  };
}

/** Problems grouped by field, in the order found. */
class Problems {
  private readonly byField = new Map<string, string[]>();

  add(field: string, problem: string): void {
    const problems = this.byField.get(field) ?? [];
    if (!problems.includes(problem)) problems.push(problem);
    this.byField.set(field, problems);
  }

  list(): FieldProblem[] {
    const all = [...this.byField].map(([field, problems]) => ({ field, problems }));
    if (all.length <= MAX_REPORTED_FIELDS) return all;
    const more = all.length - MAX_REPORTED_FIELDS;
    return [
      ...all.slice(0, MAX_REPORTED_FIELDS),
      { field: 'body', problems: [`${more} more fields have problems (not listed)`] },
    ];
  }
}

function schemaProblems(check: ValidateFunction, value: unknown): FieldProblem[] {
  if (check(value)) return [];
  const found = new Problems();
  for (const error of check.errors ?? []) {
    const problem = describe(error);
    if (problem) found.add(fieldOf(error), problem);
  }
  return found.list();
}

/** `/chunks/3/concepts` → `chunks.3.concepts`, plus the member a required or unknown error names. */
function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') segments.push(String(params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(params.additionalProperty));
  if (error.propertyName !== undefined) segments.push(error.propertyName);
  return segments.join('.') || 'body';
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a finite number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** ajv's error in plain words, or null for errors that only repeat their subschema's errors. */
function describe(error: ErrorObject): string | null {
  const params = error.params as Record<string, unknown>;
  const limit = String(params.limit);
  const name = error.propertyName === undefined ? '' : 'as a name, ';
  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
      return null;
    case 'type':
      return `must be ${String(params.type)
        .split(',')
        .map((t) => TYPE_WORDS[t] ?? t)
        .join(' or ')}`;
    case 'required':
      return 'is required';
    case 'false schema':
      // The members a method version does not have (a detection before concept version 3).
      return 'is not part of this method version';
    case 'additionalProperties':
      return 'is not a member of this object';
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minimum':
      return `must be at least ${limit}`;
    case 'maximum':
      return `must be at most ${limit}`;
    case 'exclusiveMinimum':
      return `must be above ${limit}`;
    case 'exclusiveMaximum':
      return `must be below ${limit}`;
    case 'minLength':
      return limit === '1'
        ? `${name}must not be empty`
        : `${name}must be at least ${limit} characters`;
    case 'maxLength':
      return `${name}must be at most ${limit} characters`;
    case 'minItems':
      return `must have at least ${limit} entries`;
    case 'maxItems':
      return `must have at most ${limit} entries`;
    case 'minProperties':
      return `must have at least ${limit} members`;
    case 'maxProperties':
      return `must have at most ${limit} members`;
    case 'pattern':
      return PATTERN_RULES[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
    case 'format':
      return FORMAT_RULES[String(params.format)] ?? `must be a ${String(params.format)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** The rules the submitted schema states in words. */
function submittedProblems(s: SubmittedRecord): FieldProblem[] {
  const found = new Problems();
  checkChunks(s.chunks, s.outputTokens, 'outputTokens', s.promptTokens.length, found);
  checkSteering(s.steering, found);
  if (s.outputTokens > s.decoding.maxTokens) {
    found.add('outputTokens', `is above decoding.maxTokens (${s.decoding.maxTokens})`);
  }
  checkTexts(s, found);
  s.chunks.forEach((chunk, i) =>
    chunk.context.effects.forEach((effect, j) => {
      const token = s.promptTokens[effect.position];
      if (token !== undefined && effect.token !== token) {
        found.add(
          `chunks.${i}.context.effects.${j}.token`,
          `must be the prompt token at position ${effect.position}, ${JSON.stringify(token)}`,
        );
      }
    }),
  );
  s.chunks.forEach((chunk, i) => {
    checkWordRanges(chunk.context, `chunks.${i}.context`, s.promptTokens, found);
    if (chunk.noContent && hasContent(chunk.text)) {
      found.add(`chunks.${i}.noContent`, 'must be absent: the chunk text has a letter or digit');
    }
  });
  // No rule ties promptTokens to prompt: an application's model server uses its own tokenizer,
  // and even ours does not give the prompt back by concatenation (it drops whitespace other than
  // one space before a word, and writes unknown characters as [UNK]). The schema bounds them.
  return found.list();
}

/** Chunk texts, in order, must spell the output: names the first chunk that departs from it. */
function checkTexts(s: SubmittedRecord, found: Problems): void {
  let at = 0;
  for (const [i, chunk] of s.chunks.entries()) {
    if (!s.output.startsWith(chunk.text, at)) {
      found.add(
        `chunks.${i}.text`,
        `does not continue output at character ${at}: the chunk texts in order must spell output`,
      );
      return;
    }
    at += chunk.text.length;
  }
  if (at !== s.output.length) {
    found.add(
      'output',
      `is ${s.output.length} characters but the chunk texts spell only its first ${at}`,
    );
  }
}

/**
 * Method version 2: the words are the prompt tokens' words (one rule, wordRanges) that have a
 * measured piece, each with the text its pieces spell when the submission gives one.
 */
function checkWordRanges(
  context: ChunkToRecord['context'],
  at: string,
  promptTokens: readonly string[],
  found: Problems,
): void {
  if (!context.words) return;
  const measured = new Set(context.effects.map((e) => e.position));
  const expected = wordRanges(promptTokens).filter(([start, end]) =>
    Array.from({ length: end - start }, (_, k) => start + k).some((p) => measured.has(p)),
  );
  const given = context.words.map((w) => `${w.start}-${w.end}`).join(' ');
  const wanted = expected.map(([start, end]) => `${start}-${end}`).join(' ');
  if (given !== wanted) {
    found.add(
      `${at}.words`,
      `must be the prompt's words with a measured piece, as token ranges ${wanted || '(none)'}; got ${given || '(none)'}`,
    );
    return;
  }
  context.words.forEach((w, k) => {
    const spelled = promptTokens.slice(w.start, w.end).join('').trim();
    if (w.text !== undefined && w.text !== spelled) {
      found.add(
        `${at}.words.${k}.text`,
        `must be the text its pieces spell, ${JSON.stringify(spelled)}`,
      );
    }
  });
}

interface ChunkShape {
  index: number;
  start: number;
  end: number;
  concepts: GeneratedChunk['concepts'];
  context: {
    effects: readonly { position: number; logit: number; logProb: number }[];
    words?: readonly WordEffect[];
  };
  trainingData: GeneratedChunk['trainingData'];
}

/**
 * Chunks numbered 0..n-1 whose token ranges tile 0..outputTokens, with shares that add up and
 * no concept or prompt position listed twice. Shared by submissions and record bodies.
 */
function checkChunks(
  chunks: readonly ChunkShape[],
  outputTokens: number,
  outputTokensField: string,
  promptTokens: number,
  found: Problems,
): void {
  let expectedStart = 0;
  chunks.forEach((chunk, i) => {
    const at = `chunks.${i}`;
    if (chunk.index !== i)
      found.add(`${at}.index`, `must be ${i}: chunks are numbered from 0 in order`);
    if (chunk.start > expectedStart) {
      found.add(
        `${at}.start`,
        `leaves a gap: output tokens ${expectedStart} to ${chunk.start - 1} are in no chunk`,
      );
    } else if (chunk.start < expectedStart) {
      found.add(`${at}.start`, `overlaps the previous chunk, which ends at token ${expectedStart}`);
    }
    if (chunk.end <= chunk.start) found.add(`${at}.end`, `must be above start (${chunk.start})`);
    expectedStart = chunk.end;
    checkConcepts(chunk.concepts, `${at}.concepts`, found);
    checkEffects(chunk.context.effects, `${at}.context.effects`, promptTokens, found);
    checkWords(chunk.context, `${at}.context.words`, promptTokens, found);
    checkTrainingData(chunk.trainingData, `${at}.trainingData`, found);
  });
  if (chunks.length === 0 && outputTokens > 0) {
    found.add('chunks', `must cover the ${outputTokens} output tokens`);
  } else if (expectedStart !== outputTokens) {
    found.add(
      `chunks.${chunks.length - 1}.end`,
      `must equal ${outputTokensField} (${outputTokens}): the chunks cover the whole output`,
    );
  }
}

function checkConcepts(concepts: ChunkShape['concepts'], at: string, found: Problems): void {
  const sum =
    concepts.knownShare + concepts.unknownShare + concepts.epsilonShare + concepts.steeringShare;
  if (Math.abs(sum - 1) > SHARE_SUM_TOLERANCE) {
    found.add(
      at,
      `knownShare + unknownShare + epsilonShare + steeringShare is ${sum}, must be 1 (±${SHARE_SUM_TOLERANCE})`,
    );
  }
  for (const list of ['known', 'unknown'] as const) {
    firstSeen(concepts[list].map((c) => c.id)).forEach((first, j) => {
      if (first !== j) {
        found.add(
          `${at}.${list}.${j}.id`,
          `concept ${concepts[list][j].id} is listed twice (also at ${list}.${first})`,
        );
      }
    });
  }
}

function checkEffects(
  effects: ChunkShape['context']['effects'],
  at: string,
  promptTokens: number,
  found: Problems,
): void {
  firstSeen(effects.map((e) => e.position)).forEach((first, j) => {
    const { position } = effects[j];
    if (position >= promptTokens) {
      found.add(
        `${at}.${j}.position`,
        `must be below the number of prompt tokens (${promptTokens})`,
      );
    } else if (first !== j) {
      found.add(
        `${at}.${j}.position`,
        `position ${position} is listed twice (also at effects.${first})`,
      );
    }
  });
}

/**
 * Words in prompt order, not overlapping, inside the prompt, each holding a measured piece and
 * stating exactly its pieces' summed effects (within float rounding): a word cannot claim an
 * effect its pieces do not add up to.
 */
function checkWords(
  context: ChunkShape['context'],
  at: string,
  promptTokens: number,
  found: Problems,
): void {
  if (!context.words) return;
  let previousEnd = 0;
  context.words.forEach((word, k) => {
    if (word.end <= word.start) {
      found.add(`${at}.${k}.end`, `must be above start (${word.start})`);
      return;
    }
    if (word.start < previousEnd) {
      found.add(
        `${at}.${k}.start`,
        `overlaps or precedes the previous word, which ends at ${previousEnd}`,
      );
    }
    if (word.end > promptTokens) {
      found.add(
        `${at}.${k}.end`,
        `must not be above the number of prompt tokens (${promptTokens})`,
      );
    }
    previousEnd = word.end;
    const [sum] = wordEffects([[word.start, word.end]], context.effects);
    if (!sum) {
      found.add(
        `${at}.${k}`,
        `has no measured piece: no effect lists a position ${word.start} to ${word.end - 1}`,
      );
      return;
    }
    for (const field of ['logit', 'logProb'] as const) {
      if (
        Math.abs(word[field] - sum[field]) >
        WORD_SUM_TOLERANCE * Math.max(1, Math.abs(sum[field]))
      ) {
        found.add(
          `${at}.${k}.${field}`,
          `is ${word[field]}, but its pieces' effects add up to ${sum[field]}`,
        );
      }
    }
  });
}

/** A word's effect is its pieces' summed in float64: only rounding may separate the two. */
const WORD_SUM_TOLERANCE = 1e-9;

function checkTrainingData(data: ChunkShape['trainingData'], at: string, found: Problems): void {
  const shares = Object.values(data.sources);
  const sum = shares.reduce((a, b) => a + b, 0);
  if (shares.some((s) => s > 0) && Math.abs(sum - 1) > SHARE_SUM_TOLERANCE) {
    found.add(`${at}.sources`, `shares add up to ${sum}, must be 1 (or all 0)`);
  }
  data.chunks.forEach((match, k) => {
    if (match.end < match.start) found.add(`${at}.chunks.${k}.end`, 'must not be below start');
    if (match.segment.end < match.segment.start) {
      found.add(`${at}.chunks.${k}.segment.end`, 'must not be below start');
    }
  });
  if (data.baseline) checkCalibration(data, data.baseline, at, found);
}

/**
 * Method version 3: the base rate is consistent with the matches (the best match is taken over
 * every chunk, the sampled ones included, so none may score below the ceiling unless no chunk
 * scored), and each match's calibrated score and weak flag are the ones its score gives.
 */
function checkCalibration(
  data: ChunkShape['trainingData'],
  baseline: TrainingBaseline,
  at: string,
  found: Problems,
): void {
  if (baseline.ceiling < baseline.median) {
    found.add(`${at}.baseline.ceiling`, `must not be below the median (${baseline.median})`);
  }
  const best = data.chunks[0]?.score ?? 0;
  if (best < baseline.ceiling) {
    found.add(
      `${at}.baseline.ceiling`,
      `is ${baseline.ceiling}, above the best match's score (${best}): the sampled chunks are among those ranked`,
    );
  }
  data.chunks.forEach((match, k) => {
    const calibrated = calibratedScore(match.score, baseline);
    if (
      Math.abs((match.calibrated ?? NaN) - calibrated) >
      1e-9 * Math.max(1, Math.abs(calibrated))
    ) {
      found.add(
        `${at}.chunks.${k}.calibrated`,
        `must be ${calibrated}: the score against the baseline`,
      );
    } else if (match.weak !== calibrated < WEAK_MATCH_BELOW) {
      found.add(
        `${at}.chunks.${k}.weak`,
        `must be ${calibrated < WEAK_MATCH_BELOW}: weak exactly when calibrated is below ${WEAK_MATCH_BELOW}`,
      );
    }
  });
}

function checkSteering(steering: readonly AppliedSteering[], found: Problems): void {
  const ids = firstSeen(steering.map((s) => s.conceptId));
  const keys = firstSeen(steering.map((s) => s.concept));
  steering.forEach((s, i) => {
    if (ids[i] !== i)
      found.add(`steering.${i}.conceptId`, `concept ${s.conceptId} is steered twice`);
    if (keys[i] !== i) found.add(`steering.${i}.concept`, `${s.concept} is steered twice`);
  });
}

/** For each entry, the index where its value first occurs. */
function firstSeen<T>(values: readonly T[]): number[] {
  const first = new Map<T, number>();
  return values.map((v, i) => {
    const earlier = first.get(v);
    if (earlier !== undefined) return earlier;
    first.set(v, i);
    return i;
  });
}
