import Ajv2020 from 'ajv/dist/2020';
import { GeneratedChunk, GenerationResult } from 'src/model-runtime/generation.types';
import { RecordBody } from 'src/evidence-format/record-body';
import { recordChunk, recordDraft } from 'src/records/record-draft';
import {
  JsonSchema,
  RECORD_BODY_SCHEMA,
  RECORD_SCHEMA_ID,
  SUBMITTED_RECORD_SCHEMA,
} from 'src/evidence-format/record-schema';
import { validateRecordBody } from 'src/records/submitted-record';

// The published record schema against record bodies built by recordDraft (stamped as the log stamps them), as the service builds
// them; real generations of the shipped model are checked in test/medium/standalone/record-schema.spec.ts.

const STAMP = {
  id: '0b6f3a52-8d1e-4f7a-9c2b-3e4d5f6a7b8c',
  tenant: '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b',
  logIndex: 0,
  time: '2026-03-01T09:30:00.123Z',
};

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
          share: 0.25,
        },
      ],
      unknown: [{ id: 12, topTokens: [' the'], contribution: 0.1, share: 0.5 }],
      knownShare: 0.25,
      unknownShare: 0.5,
      epsilonShare: 0.25,
      steeringShare: 0,
      steeringPenalty: 0,
    },
    context: {
      method: 'leave-one-out-mask',
      methodVersion: 2,
      words: [
        { start: 0, end: 1, text: 'The', logit: 0.5, logProb: -0.2 },
        { start: 1, end: 2, text: 'budget', logit: 1.5, logProb: 0.7 },
      ],
      effects: [
        { position: 0, token: 'The', logit: 0.5, logProb: -0.2 },
        { position: 1, token: ' budget', logit: 1.5, logProb: 0.7 },
      ],
    },
    trainingData: {
      method: 'concept-signature-similarity',
      methodVersion: 2,
      interpretation: 'Similarity in the model concept space, not causal influence.',
      sources: { sotu: 1 },
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
          conceptSimilarity: 1,
          sequenceMatch: 0,
        },
      ],
    },
  };
}

function result(): GenerationResult {
  const token = (index: number, text: string) => ({
    index,
    token: text,
    id: 100 + index,
    logit: 2,
    logProb: -1,
    knownTotal: 0.5,
    unknownTotal: 1,
    epsilon: 0.5,
    steeringPenalty: 0,
  });
  return {
    model: {
      name: 'audit-lm-full',
      version: '1.1.0',
      manifestSha256: 'a'.repeat(64),
      files: { 'model.onnx': 'b'.repeat(64) },
    },
    prompt: 'The budget',
    promptTokens: ['The', ' budget'],
    text: ' grew. It',
    decoding: { maxTokens: 3, temperature: 0, topP: 1, seed: 7, stoppedBy: 'max_tokens' },
    steering: [
      { conceptId: 7, concept: 'economy.finance', mode: 'amplify', weight: 2, penalty: 0 },
    ],
    tokens: [token(0, ' grew'), token(1, '.'), token(2, ' It')],
    chunks: [chunk(0, ' grew.', 0, 2), chunk(1, ' It', 2, 3)],
  };
}

function body(): RecordBody {
  const generated = result();
  const { content } = recordDraft({
    application: { id: '3f2e1d0c-9b8a-4765-8432-10fedcba9876', name: 'budget-assistant' },
    provenance: 'generated',
    request: { purpose: null, caseId: 'CASE-1', subjectRef: null, solelyAutomatedDecision: true },
    result: generated,
    chunks: generated.chunks.map(recordChunk),
    policy: {
      policyId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
      policyVersion: 2,
      rulesSha256: 'c'.repeat(64),
      outcome: 'flag',
      results: [{ rule: 'threshold:economy', outcome: 'flag', detail: 'economy share 0.25 > 0.2' }],
    },
  });
  return { ...content, ...STAMP };
}

/** Sets (or with undefined, deletes) the member at a dotted path: for values the types forbid. */
function set(target: object, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let at = target as Record<string, unknown>;
  for (const key of keys) at = at[key] as Record<string, unknown>;
  if (value === undefined) delete at[last];
  else at[last] = value;
}

function problemAt(record: unknown, field: string): string[] {
  const found = validateRecordBody(record);
  return found.find((p) => p.field === field)?.problems ?? found.map((p) => p.field);
}

describe('RECORD_BODY_SCHEMA', () => {
  it('accepts the body recordDraft builds, with and without chunks and policy', () => {
    expect(validateRecordBody(body())).toEqual([]);
    const empty = body();
    empty.chunks = [];
    empty.output = { ...empty.output, characters: 0, tokens: 0 };
    empty.policy = {
      policyId: null,
      policyVersion: null,
      rulesSha256: null,
      outcome: 'pass',
      results: [],
    };
    expect(validateRecordBody(empty)).toEqual([]);
  });

  it('is a valid draft 2020-12 schema with its $id, compiled in strict mode', () => {
    expect(RECORD_BODY_SCHEMA.$id).toBe(RECORD_SCHEMA_ID);
    expect(RECORD_BODY_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    expect(ajv.validateSchema(RECORD_BODY_SCHEMA)).toBe(true);
    expect(ajv.validateSchema(SUBMITTED_RECORD_SCHEMA)).toBe(true);
  });

  it('gives every member a title and a description, and closes every object', () => {
    for (const schema of [RECORD_BODY_SCHEMA, SUBMITTED_RECORD_SCHEMA]) {
      const undocumented: string[] = [];
      const open: string[] = [];
      walk(schema, '#', (node, path) => {
        if (node.type === 'object' && node.additionalProperties === undefined) open.push(path);
        const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
        for (const [name, property] of Object.entries(properties)) {
          if (typeof property.title !== 'string' || typeof property.description !== 'string') {
            undocumented.push(`${path}/properties/${name}`);
          }
        }
      });
      expect(undocumented).toEqual([]);
      expect(open).toEqual([]);
    }
  });

  it('declares every member of the body it accepts (no member goes unchecked)', () => {
    const declared = Object.keys(RECORD_BODY_SCHEMA.properties as object).sort();
    expect(declared).toEqual(Object.keys(body()).sort());
    expect(RECORD_BODY_SCHEMA.required).toEqual(
      Object.keys(RECORD_BODY_SCHEMA.properties as object),
    );
  });

  it('rejects a wrong kind, a missing or negative log index and a bad commitment', () => {
    const record = body();
    set(record, 'kind', 'recorD');
    set(record, 'logIndex', undefined);
    set(record, 'prompt.commitment', 'sha256:' + 'A'.repeat(64));
    set(record, 'output.commitment', 'a'.repeat(64));
    expect(problemAt(record, 'kind')).toEqual(['must be "record"']);
    expect(problemAt(record, 'logIndex')).toEqual(['is required']);
    expect(problemAt(record, 'prompt.commitment')).toEqual([
      'must be "sha256:" followed by 64 lower-case hexadecimal digits',
    ]);
    expect(problemAt(record, 'output.commitment')).toHaveLength(1);
    const negative = body();
    negative.logIndex = -1;
    expect(problemAt(negative, 'logIndex')).toEqual(['must be at least 0']);
    negative.logIndex = 1.5;
    expect(problemAt(negative, 'logIndex')).toEqual(['must be a whole number']);
  });

  it('rejects malformed ids, times, hashes and enums', () => {
    const record = body();
    record.id = '0B6F3A52-8D1E-4F7A-9C2B-3E4D5F6A7B8C';
    record.tenant = 'tenant-1';
    record.time = '2026-03-01T10:30:00.123+01:00';
    set(record, 'provenance', 'imported');
    set(record, 'policy.outcome', 'warn');
    set(record, 'decoding.stoppedBy', 'budget');
    set(record, 'steering.0.mode', 'boost');
    set(record, 'schemaVersion', 2);
    record.model.files['model.onnx'] = 'b'.repeat(65);
    expect(problemAt(record, 'id')).toEqual([expect.stringMatching(/lower-case UUID/)]);
    expect(problemAt(record, 'tenant')).toEqual([expect.stringMatching(/lower-case UUID/)]);
    expect(problemAt(record, 'time')).toEqual([expect.stringMatching(/in UTC/)]);
    expect(problemAt(record, 'provenance')).toEqual(['must be one of "generated", "submitted"']);
    expect(problemAt(record, 'policy.outcome')).toEqual(['must be one of "pass", "flag", "block"']);
    expect(problemAt(record, 'decoding.stoppedBy')[0]).toMatch(/must be one of "max_tokens"/);
    expect(problemAt(record, 'steering.0.mode')[0]).toMatch(/must be one of "suppress", "amplify"/);
    expect(problemAt(record, 'schemaVersion')).toEqual(['must be 1']);
    expect(problemAt(record, 'model.files.model.onnx')[0]).toMatch(/64 lower-case hexadecimal/);
  });

  it('keeps texts out of the body: chunk text and effect tokens are unknown members', () => {
    const record = body();
    set(record, 'chunks.0.text', ' grew.');
    set(record, 'chunks.1.context.effects.0.token', 'The');
    set(record, 'prompt.text', 'The budget');
    expect(problemAt(record, 'chunks.0.text')).toEqual(['is not a member of this object']);
    expect(problemAt(record, 'chunks.1.context.effects.0.token')).toEqual([
      'is not a member of this object',
    ]);
    expect(problemAt(record, 'prompt.text')).toEqual(['is not a member of this object']);
  });

  it('applies the chunk rules to bodies too', () => {
    const record = body();
    record.output.tokens = 4;
    record.chunks[0].concepts.known[0].share = 1.5;
    record.chunks[1].concepts.epsilonShare = 0.5;
    record.chunks[1].context.effects[1].position = 2;
    record.chunks[0].trainingData.sources = { sotu: 0.5, factbook: 0.25 };
    expect(problemAt(record, 'chunks.0.concepts.known.0.share')).toEqual(['must be at most 1']);
    record.chunks[0].concepts.known[0].share = 0.25;
    expect(problemAt(record, 'chunks.1.end')[0]).toMatch(/must equal output.tokens \(4\)/);
    expect(problemAt(record, 'chunks.1.concepts')[0]).toMatch(/is 1.25, must be 1/);
    expect(problemAt(record, 'chunks.1.context.effects.1.position')[0]).toMatch(
      /below the number of prompt tokens \(2\)/,
    );
    expect(problemAt(record, 'chunks.0.trainingData.sources')[0]).toMatch(/add up to 0.75/);
  });

  it('marks a chunk with no letter or digit as having no content, and accepts only true', () => {
    const punctuation = recordChunk(chunk(1, ' .', 2, 3));
    expect(punctuation.noContent).toBe(true);
    expect('noContent' in recordChunk(chunk(0, ' The budget', 0, 2))).toBe(false);
    const record = body();
    record.chunks[1] = { ...record.chunks[1], noContent: true };
    expect(validateRecordBody(record)).toEqual([]);
    set(record, 'chunks.1.noContent', false);
    expect(problemAt(record, 'chunks.1.noContent')).toEqual(['must be true']);
  });

  it("holds a body's whole words to their pieces' effects, and records of version 1 to none", () => {
    const record = body();
    record.chunks[0].context.words![1].logit = 3;
    expect(problemAt(record, 'chunks.0.context.words.1.logit')[0]).toMatch(
      /is 3, but its pieces' effects add up to 1.5/,
    );
    const older = body();
    older.chunks[0].context.methodVersion = 1;
    expect(problemAt(older, 'chunks.0.context.words').length).toBeGreaterThan(0);
    delete older.chunks[0].context.words;
    expect(validateRecordBody(older)).toEqual([]);
  });

  it('holds steering to its mode and the policy id to its version', () => {
    const record = body();
    record.steering[0].penalty = 1;
    record.policy.policyVersion = null;
    expect(problemAt(record, 'steering.0.penalty')).toEqual(['must be 0']);
    record.steering[0].penalty = 0;
    expect(problemAt(record, 'policy.policyVersion')[0]).toMatch(/null exactly when policyId/);
  });
});

function walk(node: unknown, path: string, visit: (node: JsonSchema, path: string) => void): void {
  if (typeof node !== 'object' || node === null) return;
  if (!Array.isArray(node)) visit(node as JsonSchema, path);
  for (const [key, child] of Object.entries(node)) {
    // if/then/else only narrow members declared (and documented) beside them.
    if (!['if', 'then', 'else'].includes(key)) walk(child, `${path}/${key}`, visit);
  }
}
