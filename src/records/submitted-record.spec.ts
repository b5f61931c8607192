import { FieldProblem, ValidationFailedError } from 'src/common/domain-error';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { RecordBody } from 'src/evidence-format/record-body';
import { recordChunk, recordDraft } from 'src/records/record-draft';
import { GeneratedChunk } from 'src/model-runtime/generation.types';
import {
  SubmittedRecord,
  submittedRecordInput,
  toGenerationResult,
  toRequestContext,
  validateRecordBody,
  validateSubmittedRecord,
} from 'src/records/submitted-record';

// Pure tests on a hand-made submission; test/medium/standalone/record-schema.spec.ts checks real
// generations of the shipped model against the same validators.

/** Sets (or with undefined, deletes) the member at a dotted path: for values the types forbid. */
function set(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let at = target as Record<string, unknown>;
  for (const key of keys) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

function chunk(index: number, text: string, start: number, end: number): GeneratedChunk {
  return {
    index,
    text,
    start,
    end,
    concepts: {
      method: 'concept-decomposition',
      methodVersion: 1,
      known: [
        {
          id: 7,
          key: 'economy.finance',
          name: 'Finance',
          group: 'economy',
          contribution: 0.4,
          share: 0.2,
        },
        { id: 9, key: 'law.tax', name: 'Tax', group: 'law', contribution: -0.1, share: 0.05 },
      ],
      unknown: [{ id: 12, topTokens: [' the', ' of'], contribution: 0.1, share: 0.3 }],
      knownShare: 0.25,
      unknownShare: 0.5,
      epsilonShare: 0.2,
      steeringShare: 0.05,
      steeringPenalty: -0.1,
    },
    context: {
      method: 'leave-one-out-mask',
      methodVersion: 2,
      words: [
        { start: 0, end: 1, text: 'The', logit: 0.5, logProb: -0.2 },
        { start: 1, end: 3, text: 'treasury', logit: -0.1 + 1.5, logProb: 0.05 + 0.7 },
      ],
      effects: [
        { position: 0, token: 'The', logit: 0.5, logProb: -0.2 },
        { position: 1, token: ' tre', logit: -0.1, logProb: 0.05 },
        { position: 2, token: 'asury', logit: 1.5, logProb: 0.7 },
      ],
    },
    trainingData: {
      method: 'concept-signature-similarity',
      methodVersion: 2,
      interpretation: 'Similarity in the model concept space, not causal influence.',
      sources: { sotu: 0.7, factbook: 0.3 },
      chunks: [
        {
          chunk: 'sotu/1900_william_mc_kinley_r#0',
          source: 'sotu',
          document: 'sotu/1900_william_mc_kinley_r',
          start: 0,
          end: 325,
          licence: 'Public domain (works of the US federal government)',
          sha256: 'c'.repeat(64),
          segment: { start: 0, end: 120 },
          score: 0.5,
          conceptSimilarity: 0.6,
          sequenceMatch: 0.4,
        },
      ],
    },
  };
}

function valid(): SubmittedRecord {
  return {
    prompt: 'The treasury',
    output: ' reported a surplus. It grew',
    promptTokens: ['The', ' tre', 'asury'],
    outputTokens: 6,
    model: {
      name: 'audit-lm-full',
      version: '1.1.0',
      manifestSha256: 'a'.repeat(64),
      files: { 'model.onnx': 'b'.repeat(64), 'tokenizer.json': 'd'.repeat(64) },
    },
    decoding: { maxTokens: 8, temperature: 0.8, topP: 0.95, seed: 0, stoppedBy: 'end_of_sequence' },
    steering: [
      { conceptId: 3, concept: 'health.medication', mode: 'suppress', weight: 0, penalty: 1 },
    ],
    chunks: [chunk(0, ' reported a surplus.', 0, 4), chunk(1, ' It grew', 4, 6)],
    context: { purpose: 'budget summary', solelyAutomatedDecision: false },
  };
}

function problems(payload: unknown): FieldProblem[] {
  try {
    validateSubmittedRecord(payload);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.fields;
    throw error;
  }
  throw new Error('the payload was accepted');
}

/** Expects a problem on exactly `field` whose message matches `message`. */
function expectProblem(payload: unknown, field: string, message: RegExp): void {
  const found = problems(payload);
  const at = found.find((p) => p.field === field);
  expect({ field, problems: at?.problems ?? found }).toEqual({
    field,
    problems: expect.arrayContaining([expect.stringMatching(message)]),
  });
}

const STAMP = {
  id: '0b6f3a52-8d1e-4f7a-9c2b-3e4d5f6a7b8c',
  tenant: '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b',
  logIndex: 41,
  time: '2026-03-01T09:30:00.123Z',
};

describe('validateSubmittedRecord', () => {
  it('accepts a complete submission and returns it', () => {
    const payload = valid();
    expect(validateSubmittedRecord(payload)).toBe(payload);
    const bare = valid();
    delete bare.context;
    bare.steering = [];
    expect(validateSubmittedRecord(bare)).toBe(bare);
  });

  it('rejects anything that is not an object', () => {
    for (const payload of [null, [], 'text', 42]) {
      expectProblem(payload, 'body', /must be an object/);
    }
  });

  it('names an unknown member at the top level and deep inside', () => {
    const payload = valid();
    set(payload, 'extra', 1);
    set(payload, 'chunks.1.concepts.known.0.colour', 'red');
    set(payload, 'chunks.0.trainingData.chunks.0.segment.middle', 60);
    expectProblem(payload, 'extra', /not a member/);
    expectProblem(payload, 'chunks.1.concepts.known.0.colour', /not a member/);
    expectProblem(payload, 'chunks.0.trainingData.chunks.0.segment.middle', /not a member/);
  });

  it('rejects shares outside 0..1, numbers as strings, and non-finite numbers', () => {
    const payload = valid();
    payload.chunks[0].concepts.known[0].share = 1.5;
    set(payload, 'chunks.1.concepts.knownShare', '0.5');
    payload.chunks[1].trainingData.sources.sotu = -0.1;
    expectProblem(payload, 'chunks.0.concepts.known.0.share', /must be at most 1/);
    expectProblem(payload, 'chunks.1.concepts.knownShare', /must be a finite number/);
    expectProblem(payload, 'chunks.1.trainingData.sources.sotu', /must be at least 0/);
    // Not JSON, but a caller may hand over JavaScript values.
    const infinite = valid();
    infinite.chunks[0].context.effects[0].logit = Infinity;
    infinite.chunks[0].concepts.known[1].contribution = NaN;
    expectProblem(infinite, 'chunks.0.context.effects.0.logit', /must be a finite number/);
    expectProblem(infinite, 'chunks.0.concepts.known.1.contribution', /must be a finite number/);
  });

  it('names missing members', () => {
    const payload = valid();
    set(payload, 'chunks', undefined);
    set(payload, 'model.manifestSha256', undefined);
    expectProblem(payload, 'chunks', /is required/);
    expectProblem(payload, 'model.manifestSha256', /is required/);
  });

  it('requires chunks numbered from 0 in order', () => {
    const payload = valid();
    payload.chunks[0].index = 1;
    payload.chunks[1].index = 0;
    expectProblem(payload, 'chunks.0.index', /must be 0/);
    expectProblem(payload, 'chunks.1.index', /must be 1/);
  });

  it('requires chunk token ranges that tile 0..outputTokens', () => {
    const gap = valid();
    gap.chunks[1].start = 5;
    expectProblem(gap, 'chunks.1.start', /gap: output tokens 4 to 4/);

    const overlap = valid();
    overlap.chunks[1].start = 3;
    expectProblem(overlap, 'chunks.1.start', /overlaps the previous chunk/);

    const late = valid();
    late.chunks[0].start = 1;
    expectProblem(late, 'chunks.0.start', /gap: output tokens 0 to 0/);

    const short = valid();
    short.outputTokens = 7;
    expectProblem(short, 'chunks.1.end', /must equal outputTokens \(7\)/);

    const empty = valid();
    empty.chunks[1].start = 6;
    empty.chunks[0].end = 6;
    expectProblem(empty, 'chunks.1.end', /must be above start/);
  });

  it('requires no more output tokens than the budget', () => {
    const payload = valid();
    payload.decoding.maxTokens = 5;
    expectProblem(payload, 'outputTokens', /above decoding.maxTokens \(5\)/);
  });

  it('requires the chunk texts to spell the output', () => {
    const changed = valid();
    changed.chunks[1].text = ' It shrank';
    expectProblem(changed, 'chunks.1.text', /does not continue output at character 20/);

    const longer = valid();
    longer.output += ' again';
    expectProblem(longer, 'output', /chunk texts spell only its first 28/);
  });

  it('requires the four concept shares to add up to 1', () => {
    const payload = valid();
    payload.chunks[1].concepts.epsilonShare = 0.3;
    expectProblem(payload, 'chunks.1.concepts', /is 1\.1\d*, must be 1/);
    const close = valid();
    close.chunks[1].concepts.epsilonShare = 0.2 + 1e-9;
    expect(() => validateSubmittedRecord(close)).not.toThrow();
  });

  it('rejects a concept listed twice in one list', () => {
    const payload = valid();
    payload.chunks[0].concepts.known[1].id = 7;
    payload.chunks[1].concepts.unknown.push({ ...payload.chunks[1].concepts.unknown[0] });
    expectProblem(payload, 'chunks.0.concepts.known.1.id', /concept 7 is listed twice/);
    expectProblem(payload, 'chunks.1.concepts.unknown.1.id', /concept 12 is listed twice/);
  });

  it('requires context effects on distinct prompt positions, with their tokens', () => {
    const outside = valid();
    outside.chunks[0].context.effects[2].position = 3;
    expectProblem(
      outside,
      'chunks.0.context.effects.2.position',
      /below the number of prompt tokens \(3\)/,
    );

    const twice = valid();
    twice.chunks[1].context.effects[2].position = 1;
    twice.chunks[1].context.effects[2].token = ' tre';
    expectProblem(twice, 'chunks.1.context.effects.2.position', /position 1 is listed twice/);

    const wrongToken = valid();
    wrongToken.chunks[0].context.effects[1].token = ' treasury';
    expectProblem(wrongToken, 'chunks.0.context.effects.1.token', /prompt token at position 1/);
  });

  it('states whole words in method version 2, as the pieces spell and add up to, and none in 1', () => {
    const v1 = valid();
    for (const c of v1.chunks) {
      c.context.methodVersion = 1;
      delete c.context.words;
    }
    expect(validateSubmittedRecord(v1).chunks[0].context.words).toBeUndefined();

    const missing = valid();
    delete missing.chunks[0].context.words;
    expect(problems(missing).map((p) => p.field)).toContain('chunks.0.context.words');

    const inVersion1 = valid();
    inVersion1.chunks[1].context.methodVersion = 1;
    expect(problems(inVersion1).map((p) => p.field)).toContain('chunks.1.context.words');

    // A word that claims more than its pieces' effects add up to.
    const inflated = valid();
    inflated.chunks[0].context.words![1].logProb = 2;
    expectProblem(inflated, 'chunks.0.context.words.1.logProb', /pieces' effects add up to 0\.75/);

    // Pieces split as if they were two words, or a word that is not the prompt's.
    const split = valid();
    split.chunks[0].context.words = [
      { start: 0, end: 1, text: 'The', logit: 0.5, logProb: -0.2 },
      { start: 1, end: 2, text: 'tre', logit: -0.1, logProb: 0.05 },
      { start: 2, end: 3, text: 'asury', logit: 1.5, logProb: 0.7 },
    ];
    expectProblem(split, 'chunks.0.context.words', /token ranges 0-1 1-3; got 0-1 1-2 2-3/);

    const misspelled = valid();
    misspelled.chunks[1].context.words![1].text = 'treasure';
    expectProblem(misspelled, 'chunks.1.context.words.1.text', /"treasury"/);

    const overlapping = valid();
    overlapping.chunks[0].context.words![1].start = 0;
    expectProblem(overlapping, 'chunks.0.context.words.1.start', /overlaps/);
  });

  it('reads training matches against a base rate in method version 3, consistently', () => {
    const calibrated = () => {
      const payload = valid();
      for (const c of payload.chunks) {
        c.trainingData.methodVersion = 3;
        c.trainingData.baseline = { sampledChunks: 512, median: 0.1, ceiling: 0.3 };
        // (0.5 − 0.1) / (0.3 − 0.1) = 2: clearer than chance.
        Object.assign(c.trainingData.chunks[0], { calibrated: 2, weak: false });
      }
      return payload;
    };
    expect(validateSubmittedRecord(calibrated()).chunks[0].trainingData.baseline?.median).toBe(0.1);

    const flattering = calibrated();
    flattering.chunks[0].trainingData.chunks[0].calibrated = 4;
    expectProblem(flattering, 'chunks.0.trainingData.chunks.0.calibrated', /must be 2\b/);

    const hidden = calibrated();
    hidden.chunks[1].trainingData.chunks[0].weak = true;
    expectProblem(hidden, 'chunks.1.trainingData.chunks.0.weak', /must be false/);

    const raised = calibrated();
    raised.chunks[0].trainingData.baseline!.ceiling = 0.6;
    expectProblem(raised, 'chunks.0.trainingData.baseline.ceiling', /above the best match/);

    const missing = calibrated();
    delete missing.chunks[0].trainingData.baseline;
    expect(problems(missing).map((p) => p.field)).toContain('chunks.0.trainingData.baseline');

    const inVersion2 = calibrated();
    inVersion2.chunks[1].trainingData.methodVersion = 2;
    expect(problems(inVersion2).map((p) => p.field)).toEqual(
      expect.arrayContaining(['chunks.1.trainingData.baseline']),
    );
  });

  it('states every named concept detection in concept method version 3, and only there', () => {
    const detected = () => {
      const payload = valid();
      for (const c of payload.chunks) {
        c.concepts.methodVersion = 3;
        c.concepts.known.forEach((k, i) => (k.detection = i === 0 ? 0.91 : 0.12));
      }
      return payload;
    };
    const accepted = validateSubmittedRecord(detected()).chunks[0].concepts.known;
    expect(accepted.map((k) => k.detection)).toEqual([0.91, 0.12]);

    const unstated = detected();
    delete unstated.chunks[1].concepts.known[1].detection;
    expectProblem(unstated, 'chunks.1.concepts.known.1.detection', /is required/);

    const beyond = detected();
    beyond.chunks[0].concepts.known[0].detection = 1.2;
    expectProblem(beyond, 'chunks.0.concepts.known.0.detection', /must be at most 1/);

    const inVersion2 = detected();
    inVersion2.chunks[0].concepts.methodVersion = 2;
    expectProblem(
      inVersion2,
      'chunks.0.concepts.known.0.detection',
      /^is not part of this method version$/,
    );
  });

  it('accepts the no-content mark only on a chunk without a letter or digit', () => {
    const wrong = valid();
    wrong.chunks[1].noContent = true;
    expectProblem(wrong, 'chunks.1.noContent', /has a letter or digit/);
    const right = valid();
    right.output = ' reported a surplus. .';
    right.chunks[1].text = ' .';
    right.chunks[1].noContent = true;
    expect(validateSubmittedRecord(right).chunks[1].noContent).toBe(true);
  });

  it('bounds every list and text so a request cannot exhaust memory', () => {
    const payload = valid();
    payload.promptTokens = Array.from({ length: 4097 }, () => 'a');
    payload.chunks[0].concepts.known = Array.from({ length: 65 }, (_, id) => ({
      ...payload.chunks[0].concepts.known[0],
      id,
    }));
    payload.chunks[0].trainingData.chunks = Array.from(
      { length: 17 },
      () => payload.chunks[0].trainingData.chunks[0],
    );
    payload.prompt = 'x'.repeat(20_001);
    payload.chunks[1].concepts.unknown[0].topTokens = ['y'.repeat(257)];
    expectProblem(payload, 'promptTokens', /at most 4096 entries/);
    expectProblem(payload, 'chunks.0.concepts.known', /at most 64 entries/);
    expectProblem(payload, 'chunks.0.trainingData.chunks', /at most 16 entries/);
    expectProblem(payload, 'prompt', /at most 20000 characters/);
    expectProblem(payload, 'chunks.1.concepts.unknown.0.topTokens.0', /at most 256 characters/);

    const many = valid();
    many.chunks = Array.from({ length: 513 }, (_, i) => many.chunks[i % 2]);
    expectProblem(many, 'chunks', /at most 512 entries/);
  });

  it('lists at most 100 fields, then says how many more', () => {
    const payload = valid();
    for (let i = 0; i < 150; i++) set(payload, `extra${i}`, i);
    const found = problems(payload);
    expect(found).toHaveLength(101);
    expect(found[100]).toEqual({
      field: 'body',
      problems: ['50 more fields have problems (not listed)'],
    });
  });

  it('lets the steering term be positive and a named concept be marked steered in method version 2 only', () => {
    const v2 = valid();
    set(v2, 'chunks.0.concepts.methodVersion', 2);
    set(v2, 'chunks.0.concepts.steeringPenalty', 0.3);
    set(v2, 'chunks.0.concepts.known.0.steered', 'amplify');
    expect(validateSubmittedRecord(v2)).toBe(v2);
    const v1 = valid();
    set(v1, 'chunks.0.concepts.steeringPenalty', 0.3);
    expectProblem(v1, 'chunks.0.concepts.steeringPenalty', /must be at most 0/);
    const wrong = valid();
    set(wrong, 'chunks.0.concepts.methodVersion', 2);
    set(wrong, 'chunks.0.concepts.known.0.steered', 'forced');
    expectProblem(wrong, 'chunks.0.concepts.known.0.steered', /must be one of/);
  });

  it('names a wrong attribution method or method version', () => {
    const payload = valid();
    set(payload, 'chunks.0.context.method', 'leave-one-out');
    set(payload, 'chunks.0.concepts.methodVersion', 4);
    set(payload, 'chunks.1.trainingData.methodVersion', 1);
    set(payload, 'chunks.1.trainingData.method', 'influence-functions');
    expectProblem(payload, 'chunks.0.context.method', /must be "leave-one-out-mask"/);
    expectProblem(payload, 'chunks.0.concepts.methodVersion', /must be one of 1, 2, 3/);
    expectProblem(payload, 'chunks.1.trainingData.methodVersion', /must be one of 2, 3/);
    expectProblem(
      payload,
      'chunks.1.trainingData.method',
      /must be "concept-signature-similarity"/,
    );
  });

  it('checks decoding, steering, model hashes and context', () => {
    const payload = valid();
    set(payload, 'decoding.stoppedBy', 'tired');
    payload.decoding.seed = 1.5;
    payload.steering.push({
      conceptId: 3,
      concept: 'health.medication',
      mode: 'amplify',
      weight: 2,
      penalty: 1,
    });
    payload.steering[0].weight = 1;
    payload.model.manifestSha256 = 'A'.repeat(64);
    payload.model.files['model.onnx'] = 'b'.repeat(63);
    set(payload, 'context.purpose', null);
    set(payload, 'context.reason', 'x');
    expectProblem(payload, 'decoding.stoppedBy', /must be one of "max_tokens", "end_of_sequence"/);
    expectProblem(payload, 'decoding.seed', /must be a whole number/);
    expectProblem(payload, 'steering.0.weight', /must be 0/);
    expectProblem(payload, 'steering.1.penalty', /must be 0/);
    expectProblem(payload, 'model.manifestSha256', /64 lower-case hexadecimal digits/);
    expectProblem(payload, 'model.files.model.onnx', /64 lower-case hexadecimal digits/);
    expectProblem(payload, 'context.purpose', /must be a string/);
    expectProblem(payload, 'context.reason', /not a member/);

    const twice = valid();
    twice.steering.push({ ...twice.steering[0] });
    expectProblem(twice, 'steering.1.conceptId', /steered twice/);
  });
});

describe('submitted record input', () => {
  it('build a record body that validates, with the submitted counts and context', () => {
    const submitted = validateSubmittedRecord(valid());
    const { content, text } = recordDraft(
      submittedRecordInput(
        submitted,
        { id: '3f2e1d0c-9b8a-4765-8432-10fedcba9876', name: 'budget-assistant' },
        submitted.chunks.map(recordChunk),
        { policyId: null, policyVersion: null, rulesSha256: null, outcome: 'pass', results: [] },
      ),
    );
    const record: RecordBody = { ...content, ...STAMP };
    expect(validateRecordBody(record)).toEqual([]);
    expect(record.provenance).toBe('submitted');
    expect(record.output).toMatchObject({ characters: 28, tokens: 6 });
    expect(record.prompt).toMatchObject({ characters: 12, tokens: 3 });
    expect(record.request).toEqual({
      purpose: 'budget summary',
      caseId: null,
      subjectRef: null,
      solelyAutomatedDecision: false,
    });
    expect(record.chunks[0].context.effects[0]).toEqual({ position: 0, logit: 0.5, logProb: -0.2 });
    expect(text.chunkTexts).toEqual([' reported a surplus.', ' It grew']);
    expect(() => canonicalJson(record)).not.toThrow();
  });

  it('never carry invented per-token numbers, only the output length', () => {
    const submitted = validateSubmittedRecord(valid());
    expect(toGenerationResult(submitted).tokens).toEqual([]);
    expect(
      submittedRecordInput(
        submitted,
        { id: '3f2e1d0c-9b8a-4765-8432-10fedcba9876', name: 'budget-assistant' },
        submitted.chunks.map(recordChunk),
        { policyId: null, policyVersion: null, rulesSha256: null, outcome: 'pass', results: [] },
      ).outputTokens,
    ).toBe(6);
  });

  it('record an absent context as nulls and false', () => {
    const payload = valid();
    delete payload.context;
    expect(toRequestContext(validateSubmittedRecord(payload))).toEqual({
      purpose: null,
      caseId: null,
      subjectRef: null,
      solelyAutomatedDecision: false,
    });
  });
});
