/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { ValidationFailedError } from 'src/common/domain-error';
import { GenerationResult } from 'src/model-runtime/generation.types';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { PolicyResult, RecordBody } from 'src/evidence-format/record-body';
import { recordChunk, recordDraft } from 'src/records/record-draft';
import {
  SubmittedRecord,
  submittedRecordInput,
  validateRecordBody,
  validateSubmittedRecord,
} from 'src/records/submitted-record';
import { submittedPayload } from 'test/support/submitted-payload';
import { testModel } from 'test/support/test-model';

// The record schema and the submitted-record validator against real generations of the shipped
// model: what the runtime writes must validate, as a submission and as a record body, or the
// schema we publish describes records we never write.

const APPLICATION = { id: '3f2e1d0c-9b8a-4765-8432-10fedcba9876', name: 'treasury-assistant' };
const NO_POLICY: PolicyResult = {
  policyId: null,
  policyVersion: null,
  rulesSha256: null,
  outcome: 'pass',
  results: [],
};
const STAMP = {
  id: '0b6f3a52-8d1e-4f7a-9c2b-3e4d5f6a7b8c',
  tenant: '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b',
  logIndex: 1234,
  time: '2026-03-01T09:30:00.123Z',
};

let runtime: ModelRuntime;
let results: GenerationResult[];

beforeAll(async () => {
  const model = testModel();
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
  const [first, second] = runtime.model.known.map((c) => c.key);
  results = [
    await runtime.generate('The treasury', { maxTokens: 16, chunkTokens: 4, seed: 3 }),
    await runtime.generate('The patient was given', {
      maxTokens: 12,
      chunkTokens: 3,
      seed: 5,
      stopAtEnd: false,
      steering: [{ concept: first, mode: 'suppress', penalty: 2 }],
    }),
    await runtime.generate('The Congress shall', {
      maxTokens: 10,
      chunkTokens: 5,
      temperature: 0,
      stopAtEnd: false,
      steering: [{ concept: second, mode: 'amplify', weight: 2 }],
    }),
  ];
});

afterAll(async () => {
  await runtime?.close();
});

const submission = (result: GenerationResult): unknown => submittedPayload(result);

function generatedBody(result: GenerationResult): RecordBody {
  const { content } = recordDraft({
    application: APPLICATION,
    provenance: 'generated',
    request: { purpose: null, caseId: null, subjectRef: null, solelyAutomatedDecision: false },
    result,
    chunks: result.chunks.map(recordChunk),
    policy: NO_POLICY,
  });
  return { ...content, ...STAMP };
}

describe('real generations', () => {
  it('have several chunks, and steering in two of them', () => {
    for (const result of results) expect(result.chunks.length).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.steering.map((s) => s.mode))).toEqual([
      [],
      ['suppress'],
      ['amplify'],
    ]);
  });

  it('validate as submissions, and as record bodies built from them', () => {
    for (const result of results) {
      const submitted = validateSubmittedRecord(submission(result));
      const chunks = submitted.chunks.map(recordChunk);
      const input = submittedRecordInput(submitted, APPLICATION, chunks, NO_POLICY);
      const record: RecordBody = { ...recordDraft(input).content, ...STAMP };
      expect(validateRecordBody(record)).toEqual([]);
      expect(record.provenance).toBe('submitted');
      expect(record.request.caseId).toBe('CASE-2026-0042');
      // Signable as it is: no placeholder number leaked into the body.
      expect(() => canonicalJson(record)).not.toThrow();
      // The same record the service writes for its own generation, but for provenance, request
      // and the salted commitments.
      const generated = generatedBody(result);
      const strip = (body: RecordBody) => ({
        ...body,
        provenance: null,
        request: null,
        prompt: { ...body.prompt, commitment: null },
        output: { ...body.output, commitment: null },
      });
      expect(strip(record)).toEqual(strip(generated));
    }
  });

  it('validate as record bodies the service writes for its own generations', () => {
    for (const result of results) {
      const body = JSON.parse(canonicalJson(generatedBody(result))) as unknown;
      expect(validateRecordBody(body)).toEqual([]);
    }
  });

  it('are rejected once one chunk text or one share is changed', () => {
    const payload = submission(results[0]) as SubmittedRecord;
    payload.chunks[1].text += '!';
    payload.chunks[0].concepts.epsilonShare += 0.01;
    try {
      validateSubmittedRecord(payload);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect((error as ValidationFailedError).fields.map((f) => f.field)).toEqual([
        'chunks.0.concepts',
        'chunks.1.text',
      ]);
    }
  });
});
