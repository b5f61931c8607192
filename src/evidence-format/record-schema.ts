/**
 * The published JSON Schemas (draft 2020-12) of the record body v1 (`RecordBody` in
 * record-body.ts, served at `GET /v1/schemas/record.json`) and of the body of `POST /v1/records`
 * (a generation an application made with its own interpretable model server).
 *
 * Written for an external auditor: every member has a title and a description, every object is
 * closed (`additionalProperties: false`), and every string, array and map is bounded so that a
 * submitted record cannot exhaust memory. What JSON Schema cannot say (chunk ranges that tile the
 * output, shares that add up to 1, texts that concatenate to the output) is checked in
 * submitted-record.ts and stated in the descriptions here.
 */

import { WEAK_MATCH_BELOW } from 'src/evidence-format/attribution';
import { UUID_PATTERN } from 'src/evidence-format/ids';

export type JsonSchema = Readonly<Record<string, unknown>>;

export const RECORD_SCHEMA_ID = 'https://schemas.interpretable-audit.dev/record/v1.json';
export const SUBMITTED_RECORD_SCHEMA_ID =
  'https://schemas.interpretable-audit.dev/submitted-record/v1.json';

/** Size bounds shared by both schemas (and the semantic checks). */
export const RECORD_LIMITS = {
  /** Prompt and output, in UTF-16 code units (JavaScript string length). */
  textCharacters: 20_000,
  promptTokens: 4096,
  outputTokens: 65_536,
  /** One token's text: far above any real vocabulary entry. */
  tokenCharacters: 256,
  chunks: 512,
  /** Named or unnamed concepts listed per chunk. */
  concepts: 64,
  /** Top tokens shown for one unnamed concept. */
  topTokens: 16,
  trainingChunks: 16,
  trainingSources: 64,
  steering: 256,
  modelFiles: 256,
  policyResults: 256,
} as const;

/** Tolerance of "adds up to 1" checks: float64 rounding over a few hundred terms stays far below. */
export const SHARE_SUM_TOLERANCE = 1e-6;

const SHA256_HEX = '^[0-9a-f]{64}$';
const COMMITMENT = '^sha256:[0-9a-f]{64}$';
/** RFC 3339 in UTC, as `Date.prototype.toISOString` writes it. */
const UTC_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$';
const MAX_SEED = 0xffffffff;

/** Plain-words rule of each pattern, for validation messages. */
export const PATTERN_RULES: Readonly<Record<string, string>> = {
  [SHA256_HEX]: 'must be a SHA-256: 64 lower-case hexadecimal digits',
  [COMMITMENT]: 'must be "sha256:" followed by 64 lower-case hexadecimal digits',
  [UUID_PATTERN]: 'must be a lower-case UUID such as 123e4567-e89b-42d3-a456-426614174000',
  [UTC_TIME]: 'must be an RFC 3339 time in UTC such as 2026-01-31T12:00:00.000Z',
};

/** Plain-words rule of each format, for validation messages. */
export const FORMAT_RULES: Readonly<Record<string, string>> = {
  uuid: PATTERN_RULES[UUID_PATTERN],
  'date-time': PATTERN_RULES[UTC_TIME],
};

// Small builders: each takes the title and description an auditor reads, so no member can be
// written without them.

function object(
  title: string,
  description: string,
  properties: Record<string, JsonSchema>,
  optional: readonly string[] = [],
): JsonSchema {
  return {
    type: 'object',
    title,
    description,
    additionalProperties: false,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    properties,
  };
}

function string(title: string, description: string, maxLength: number, minLength = 1) {
  return { type: 'string', title, description, minLength, maxLength };
}

function nullableString(title: string, description: string, maxLength: number): JsonSchema {
  return { type: ['string', 'null'], title, description, minLength: 1, maxLength };
}

function integer(title: string, description: string, minimum: number, maximum?: number) {
  return {
    type: 'integer',
    title,
    description,
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
  };
}

function number(title: string, description: string, bounds: Record<string, number> = {}) {
  return { type: 'number', title, description, ...bounds };
}

function share(title: string, description: string): JsonSchema {
  return number(title, description, { minimum: 0, maximum: 1 });
}

function array(
  title: string,
  description: string,
  items: JsonSchema,
  maxItems: number,
  minItems = 0,
) {
  return { type: 'array', title, description, minItems, maxItems, items };
}

function ref(name: string, title: string, description: string): JsonSchema {
  return { $ref: `#/$defs/${name}`, title, description };
}

function constant(
  title: string,
  description: string,
  value: string | number | boolean,
): JsonSchema {
  return { title, description, const: value };
}

function oneOf(title: string, description: string, values: readonly string[]): JsonSchema {
  return { type: 'string', title, description, enum: values };
}

function sha256Hex(title: string, description: string): JsonSchema {
  return { type: 'string', title, description, pattern: SHA256_HEX };
}

function uuid(title: string, description: string): JsonSchema {
  return { type: 'string', title, description, format: 'uuid', pattern: UUID_PATTERN };
}

// Definitions shared by both schemas.

const MODEL = object(
  'Model identity',
  'The model package that produced the generation, pinned by hashes: the SHA-256 of its ' +
    'manifest names the SHA-256 of every other file, so one hash identifies the exact weights, ' +
    'tokenizer and concept tables.',
  {
    name: string('Model name', 'Name of the model package, e.g. audit-lm-full.', 120),
    version: string('Model version', 'Version of the model package, e.g. 1.1.0.', 64),
    manifestSha256: sha256Hex(
      'Manifest SHA-256',
      'SHA-256 of the package manifest.json, 64 lower-case hexadecimal digits.',
    ),
    files: {
      type: 'object',
      title: 'Package files',
      description:
        'Every file of the package, by its path in the package, with its SHA-256 (64 lower-case ' +
        'hexadecimal digits), as the manifest lists them.',
      minProperties: 1,
      maxProperties: RECORD_LIMITS.modelFiles,
      propertyNames: { type: 'string', minLength: 1, maxLength: 200 },
      additionalProperties: sha256Hex('File SHA-256', 'SHA-256 of the file.'),
    },
  },
);

const DECODING = object(
  'Decoding settings',
  'How the tokens were chosen. With the model, the prompt, the steering and these settings, ' +
    'the generation can be reproduced.',
  {
    maxTokens: integer(
      'Token budget',
      'Most tokens the generation was allowed to write.',
      1,
      RECORD_LIMITS.outputTokens,
    ),
    temperature: number('Temperature', 'Sampling temperature; 0 means greedy decoding.', {
      minimum: 0,
      maximum: 5,
    }),
    topP: number(
      'Top-p',
      'Nucleus sampling: the probability mass sampled from, above 0 and at most 1.',
      {
        exclusiveMinimum: 0,
        maximum: 1,
      },
    ),
    seed: integer('Seed', 'Seed of the sampling random numbers, 0 to 4294967295.', 0, MAX_SEED),
    stoppedBy: oneOf(
      'Stopped by',
      'Why generation stopped: max_tokens (the budget was used), end_of_sequence (the model ' +
        'wrote its end token), context_length (the context window was full) or given_text ' +
        '(the text was given and explained, not generated).',
      ['max_tokens', 'end_of_sequence', 'context_length', 'given_text'],
    ),
  },
);

const STEERING = {
  ...object(
    'Applied steering',
    'One concept the generation was steered on at the concept head. Suppression forces the ' +
      'concept weight to 0 and subtracts penalty × ReLU(the concept effect) from the logits; ' +
      'amplification forces the weight and has no penalty. With acts = concept-specific, both ' +
      'act on the concept-specific part of the effect row only (see acts).',
    {
      conceptId: integer('Concept id', 'Index of the named concept in the model concept table.', 0),
      concept: string('Concept key', 'Key of the named concept, e.g. health.medication.', 120),
      mode: oneOf('Mode', 'suppress or amplify.', ['suppress', 'amplify']),
      weight: number(
        'Forced weight',
        'Concept weight forced at every position: 0 for suppression, above 0 and at most 10 ' +
          'for amplification.',
        { minimum: 0, maximum: 10 },
      ),
      penalty: number(
        'Penalty strength',
        'Strength s of the logit penalty s · ReLU(effect): 0 to 100 for suppression (0 turns ' +
          'it off), 0 for amplification.',
        { minimum: 0, maximum: 100 },
      ),
      acts: constant(
        'Acts on',
        "concept-specific: steering acted on the concept's own part of its effect row, the row " +
          'less its component along the mean of all named rows (rows centred over the ' +
          'vocabulary). The penalty is then s · ReLU(own part), and amplification subtracts ' +
          'weight × shared part from the logits, so the forced concept moves the logits by ' +
          'weight × own part. Absent: the whole row (records made before).',
        'concept-specific',
      ),
    },
    ['acts'],
  ),
  if: { properties: { mode: { const: 'suppress' } } },
  then: { properties: { weight: { const: 0 } } },
  else: { properties: { weight: { type: 'number', exclusiveMinimum: 0 }, penalty: { const: 0 } } },
};

const CONCEPT_ID = integer('Concept id', 'Index of the concept in the model concept table.', 0);
const CONTRIBUTION = number(
  'Mean contribution',
  "Mean logit contribution of the concept to the chunk's tokens (may be negative).",
);
const CONCEPT_SHARE = share(
  'Share',
  "Mean over the chunk's tokens of the concept's share of all absolute logit contributions, 0 to 1.",
);

const KNOWN_CONCEPT = object(
  'Named concept',
  'A concept of the model concept table with a human-given name, and its part in the chunk.',
  {
    id: CONCEPT_ID,
    key: string('Key', 'Stable key of the concept, e.g. health.medication.', 120),
    name: string('Name', 'Human-readable name of the concept.', 200),
    group: string(
      'Group',
      'Group the concept belongs to, e.g. health (policies limit groups).',
      120,
    ),
    contribution: CONTRIBUTION,
    share: CONCEPT_SHARE,
    steered: oneOf(
      'Steered',
      'Method version 2: the concept was steered (suppress or amplify), so its weight is the ' +
        'one forced, not one the model chose from the input.',
      ['suppress', 'amplify'],
    ),
    detection: share(
      'Detection',
      "Method version 3: the highest probability the concept's detector gave over the positions " +
        "that chose the chunk's tokens, read from the text before any steering, 0 to 1; at 0.5 " +
        'or above the concept was detected in the text.',
    ),
  },
  ['steered', 'detection'],
);

const UNKNOWN_CONCEPT = object(
  'Unnamed concept',
  'A concept the model learned without a name, described by the tokens it pushes up most.',
  {
    id: CONCEPT_ID,
    topTokens: array(
      'Top tokens',
      'Tokens the concept raises most, strongest first.',
      { type: 'string', maxLength: RECORD_LIMITS.tokenCharacters },
      RECORD_LIMITS.topTokens,
    ),
    contribution: CONTRIBUTION,
    share: CONCEPT_SHARE,
  },
);

const CONCEPTS: JsonSchema = {
  ...object(
    'Concept attribution',
    "Exact decomposition of each of the chunk's token logits into named concepts, unnamed " +
      'concepts, an unexplained residual (ε) and the steering term. knownShare + ' +
      'unknownShare + epsilonShare + steeringShare adds up to 1.',
    {
      method: constant('Method', 'Attribution method name.', 'concept-decomposition'),
      methodVersion: {
        title: 'Method version',
        description:
          "Version of the attribution method: 3 states each named concept's detection; 2 marks " +
          'steered named concepts and lets the steering term have either sign; 1 is the version ' +
          'of the first records.',
        type: 'integer',
        enum: [1, 2, 3],
      },
      known: array(
        'Named concepts',
        'The named concepts with the largest shares, largest first; concept ids are unique.',
        { $ref: '#/$defs/knownConcept' },
        RECORD_LIMITS.concepts,
      ),
      unknown: array(
        'Unnamed concepts',
        'The unnamed concepts with the largest shares, largest first; concept ids are unique.',
        { $ref: '#/$defs/unknownConcept' },
        RECORD_LIMITS.concepts,
      ),
      knownShare: share('Named share', 'Share of all named concepts together, 0 to 1.'),
      unknownShare: share('Unnamed share', 'Share of all unnamed concepts together, 0 to 1.'),
      epsilonShare: share('Unexplained share', 'Share of the unexplained residual ε, 0 to 1.'),
      steeringShare: share(
        'Steering share',
        'Share of the steering term, 0 to 1 (0 without steering).',
      ),
      steeringPenalty: number(
        'Steering term',
        "Mean logit the steering term moved the chunk's tokens by: 0 or negative in method " +
          'version 1 (the suppression penalty); either sign in version 2.',
      ),
    },
  ),
  allOf: [
    // Version 1 records had only the suppression penalty: never above 0.
    {
      if: { properties: { methodVersion: { const: 1 } } },
      then: { properties: { steeringPenalty: { type: 'number', maximum: 0 } } },
    },
    // Version 3 states every named concept's detection; the versions before had none.
    {
      if: { properties: { methodVersion: { const: 3 } } },
      then: {
        properties: {
          known: {
            type: 'array',
            items: {
              type: 'object',
              properties: { detection: true },
              required: ['detection'],
            },
          },
        },
      },
      else: {
        properties: {
          known: { type: 'array', items: { type: 'object', properties: { detection: false } } },
        },
      },
    },
  ],
};

function contextEffect(withToken: boolean): JsonSchema {
  return object(
    'Context effect',
    'What one prompt token did to the chunk, measured by masking it and generating the same ' +
      'tokens again.',
    {
      position: integer(
        'Prompt position',
        'Index of the prompt token (0 = first prompt token); unique within the chunk and below ' +
          'the number of prompt tokens.',
        0,
        RECORD_LIMITS.promptTokens - 1,
      ),
      ...(withToken
        ? {
            token: string(
              'Token',
              'Text of the prompt token at that position (equal to promptTokens[position]).',
              RECORD_LIMITS.tokenCharacters,
              0,
            ),
          }
        : {}),
      logit: number(
        'Logit effect',
        "Sum over the chunk's tokens of logit(with the token) − logit(with it masked).",
      ),
      logProb: number('Log-probability effect', 'The same in log-probability.'),
    },
  );
}

function contextWord(withText: boolean): JsonSchema {
  return object(
    'Context word',
    "A whole prompt word and its effect on the chunk: its token pieces' effects summed. A word " +
      'is a run of prompt tokens: a token that starts with white space, or follows one that ends ' +
      'with it, starts a new word; the pieces after it join it.',
    {
      start: integer(
        'First token',
        'Prompt position of the first piece of the word.',
        0,
        RECORD_LIMITS.promptTokens - 1,
      ),
      end: integer(
        'End token',
        'Prompt position just after the last piece (exclusive), above start.',
        1,
        RECORD_LIMITS.promptTokens,
      ),
      ...(withText
        ? {
            text: string(
              'Text',
              'The word: its prompt tokens joined, without surrounding white space.',
              RECORD_LIMITS.textCharacters,
            ),
          }
        : {}),
      logit: number('Logit effect', "Sum of the logit effects of the word's pieces."),
      logProb: number(
        'Log-probability effect',
        'Sum of the log-probability effects of its pieces.',
      ),
    },
    ['text'],
  );
}

function contextAttribution(withToken: boolean): JsonSchema {
  return {
    ...object(
      'Context attribution',
      withToken
        ? 'Leave-one-out effect of each prompt token on the chunk, and of each whole word.'
        : 'Leave-one-out effect of each prompt token on the chunk, and of each whole word. The ' +
            'record names prompt positions only: the token texts are kept with the erasable ' +
            'prompt text.',
      {
        method: constant('Method', 'Attribution method name.', 'leave-one-out-mask'),
        methodVersion: {
          title: 'Method version',
          description:
            'Version of the attribution method: 2 adds the whole words; 1 is the version of ' +
            'records made before.',
          type: 'integer',
          enum: [1, 2],
        },
        effects: array(
          'Effects',
          'One effect per prompt position measured: the per-piece detail of the words.',
          { $ref: '#/$defs/contextEffect' },
          RECORD_LIMITS.promptTokens,
        ),
        words: array(
          'Words',
          'Method version 2: each prompt word with a measured piece, in prompt order, its ' +
            "pieces' effects summed; the words do not overlap.",
          { $ref: '#/$defs/contextWord' },
          RECORD_LIMITS.promptTokens,
        ),
      },
      ['words'],
    ),
    // Version 2 states the words; version 1 records were made before they existed.
    if: { properties: { methodVersion: { const: 2 } } },
    then: { properties: { words: true }, required: ['words'] },
    else: { properties: { words: false } },
  };
}

const TRAINING_CHUNK = object(
  'Training chunk match',
  'A training chunk whose concept signature is most like the generated chunk, with its provenance.',
  {
    chunk: string('Chunk id', 'Id of the training chunk in the package training index.', 300),
    source: string('Source', 'Training source the chunk comes from.', 120),
    document: string('Document', 'Document the chunk comes from.', 300),
    start: integer('Start', 'Character offset of the chunk in the document.', 0),
    end: integer('End', 'Character offset just after the chunk in the document (exclusive).', 0),
    licence: string('Licence', 'Licence of the document.', 300),
    sha256: sha256Hex('Chunk SHA-256', 'SHA-256 of the chunk text (64 lower-case hex digits).'),
    segment: object(
      'Matched paragraph',
      "The chunk's most similar paragraph, as a character span in the document.",
      {
        start: integer('Start', 'Character offset of the paragraph in the document.', 0),
        end: integer('End', 'Character offset just after the paragraph (exclusive).', 0),
      },
    ),
    score: share(
      'Score',
      'Ranking score: the mean of conceptSimilarity and sequenceMatch, 0 to 1.',
    ),
    conceptSimilarity: share(
      'Concept similarity',
      'Cosine similarity of idf-weighted mean concept signatures, 0 to 1.',
    ),
    sequenceMatch: share(
      'Sequence match',
      "Idf-weighted share of the paragraph's rarest concept bigrams that also occur in the " +
        'generated text, 0 to 1: high when the text follows the paragraph concepts in order.',
    ),
    calibrated: number(
      'Calibrated score',
      'Method version 3: the score against the base rate, (score − baseline.median) / ' +
        '(baseline.ceiling − baseline.median), or 0 when the ceiling is not above the median. ' +
        '1 is as close as the best of the sampled chunks, which chance alone reaches.',
    ),
    weak: {
      type: 'boolean',
      title: 'Weak match',
      description:
        `Method version 3: true when calibrated is below ${WEAK_MATCH_BELOW}: the match is no ` +
        'clearer than chance, listed but not evidence that the text draws on this chunk.',
    },
  },
  ['calibrated', 'weak'],
);

const TRAINING_BASELINE = object(
  'Training-data base rate',
  "The same text's scores against training chunks spaced evenly over the whole training " +
    'index: what its best matches are read against.',
  {
    sampledChunks: integer(
      'Sampled chunks',
      'Number of chunks sampled, evenly spaced over the training index (all of a smaller one).',
      0,
    ),
    median: share('Median', 'Median score of the sampled chunks, 0 to 1.'),
    ceiling: share(
      'Ceiling',
      'Highest score among the sampled chunks, 0 to 1; not above the best match.',
    ),
  },
);

const TRAINING_DATA: JsonSchema = {
  ...object(
    'Training-data attribution',
    'Which training data the concepts at work are most like. This is similarity in the model ' +
      'concept space, not causal influence.',
    {
      method: constant('Method', 'Attribution method name.', 'concept-signature-similarity'),
      methodVersion: {
        title: 'Method version',
        description:
          'Version of the attribution method: 3 adds the base rate and, per match, the ' +
          'calibrated score and the weak flag; 2 is the version of records made before.',
        type: 'integer',
        enum: [2, 3],
      },
      interpretation: string(
        'Interpretation',
        'How to read this attribution, in words, as the runtime states it.',
        2000,
      ),
      sources: {
        type: 'object',
        title: 'Sources',
        description:
          "Training source → share of the chunk's concept use, 0 to 1 each; the shares add up " +
          'to 1 (or are all 0 when no concept was active).',
        maxProperties: RECORD_LIMITS.trainingSources,
        propertyNames: { type: 'string', minLength: 1, maxLength: 120 },
        additionalProperties: share(
          'Source share',
          "The source's share of the chunk's concept use.",
        ),
      },
      baseline: ref(
        'trainingBaseline',
        'Base rate',
        'Method version 3: the base rate the matches are calibrated against.',
      ),
      chunks: array(
        'Training chunks',
        'The most similar training chunks, best first.',
        { $ref: '#/$defs/trainingChunk' },
        RECORD_LIMITS.trainingChunks,
      ),
    },
    ['baseline'],
  ),
  // Version 3 states the base rate and reads every match against it; version 2 did neither.
  if: { properties: { methodVersion: { const: 3 } } },
  then: {
    properties: {
      baseline: true,
      chunks: {
        type: 'array',
        items: {
          type: 'object',
          properties: { calibrated: true, weak: true },
          required: ['calibrated', 'weak'],
        },
      },
    },
    required: ['baseline'],
  },
  else: {
    properties: {
      baseline: false,
      chunks: {
        type: 'array',
        items: { type: 'object', properties: { calibrated: false, weak: false } },
      },
    },
  },
};

function chunk(withText: boolean): JsonSchema {
  return object(
    'Chunk',
    'A run of generated tokens (a sentence, or at most a set number of tokens) and its three ' +
      'attributions. Chunks are numbered from 0 in order and their token ranges tile the ' +
      'output: the first starts at 0, each starts where the previous ended, the last ends at ' +
      'the number of output tokens.',
    {
      index: integer(
        'Index',
        'Position of the chunk in the output, from 0.',
        0,
        RECORD_LIMITS.chunks - 1,
      ),
      ...(withText
        ? {
            text: string(
              'Text',
              'The chunk text; the chunk texts in order concatenate to the output.',
              RECORD_LIMITS.textCharacters,
              0,
            ),
          }
        : {}),
      start: integer('Start token', 'First output token of the chunk (0 = first output token).', 0),
      end: integer('End token', 'Output token just after the chunk (exclusive), above start.', 1),
      noContent: constant(
        'No content',
        withText
          ? 'Optional: true when the chunk text has no letter or digit (punctuation, white space ' +
              'or an end token only). The service decides it from the text either way.'
          : 'Present (true) when the chunk text has no letter or digit: punctuation, white ' +
              'space or an end token only, nothing a reason could be given for. Absent when it ' +
              'has, and in records made before the mark.',
        true,
      ),
      concepts: ref('conceptAttribution', 'Concepts', 'Concept attribution of the chunk.'),
      context: ref('contextAttribution', 'Context', 'Prompt-token attribution of the chunk.'),
      trainingData: ref('trainingData', 'Training data', 'Training-data attribution of the chunk.'),
    },
    ['noContent'],
  );
}

function definitions(submitted: boolean): Record<string, JsonSchema> {
  return {
    model: MODEL,
    decoding: DECODING,
    steering: STEERING,
    knownConcept: KNOWN_CONCEPT,
    unknownConcept: UNKNOWN_CONCEPT,
    conceptAttribution: CONCEPTS,
    contextEffect: contextEffect(submitted),
    contextWord: contextWord(submitted),
    contextAttribution: contextAttribution(submitted),
    trainingChunk: TRAINING_CHUNK,
    trainingBaseline: TRAINING_BASELINE,
    trainingData: TRAINING_DATA,
    chunk: chunk(submitted),
  };
}

const MODEL_PROPERTY = ref('model', 'Model', 'Identity of the model that generated the output.');
const DECODING_PROPERTY = ref('decoding', 'Decoding', 'Decoding settings of the generation.');
const STEERING_PROPERTY = array(
  'Steering',
  'Concepts the generation was steered on (by the request or the application policy); each ' +
    'concept at most once.',
  { $ref: '#/$defs/steering' },
  RECORD_LIMITS.steering,
);

function textCommitment(title: string, what: string, minCharacters: number): JsonSchema {
  return object(
    title,
    `A commitment to the ${what} text: SHA-256 over a random 32-byte salt followed by the UTF-8 ` +
      'text. The text and salt are stored encrypted beside the record; whoever holds them can ' +
      'check the commitment, and erasing them leaves the record verifiable.',
    {
      commitment: {
        type: 'string',
        title: 'Commitment',
        description: '"sha256:" then the SHA-256 (64 lower-case hex digits) of salt ‖ UTF-8 text.',
        pattern: COMMITMENT,
      },
      characters: integer(
        'Characters',
        `Length of the ${what} in UTF-16 code units.`,
        minCharacters,
        RECORD_LIMITS.textCharacters,
      ),
      tokens: integer(
        'Tokens',
        `Number of ${what} tokens.`,
        minCharacters,
        what === 'prompt' ? RECORD_LIMITS.promptTokens : RECORD_LIMITS.outputTokens,
      ),
    },
  );
}

const OUTCOME = ['pass', 'flag', 'block'] as const;

/** JSON Schema of the record body, schema version 1: what is canonicalised, logged and signed. */
export const RECORD_BODY_SCHEMA: JsonSchema = deepFreeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: RECORD_SCHEMA_ID,
  ...object(
    'Attribution record, version 1',
    'The signed record of one language-model generation: who asked and why, which model ' +
      'produced it and how, commitments to the prompt and output texts, and for every chunk of ' +
      'the output which concepts, prompt tokens and training data it rests on. The body is ' +
      'canonicalised with RFC 8785 (JCS); its leaf hash SHA-256(0x00 ‖ canonical body) is ' +
      "appended to the tenant's Merkle log and signed with Ed25519.",
    {
      schemaVersion: constant('Schema version', 'Version of this record schema.', 1),
      kind: constant('Kind', 'Kind of log entry: always record here.', 'record'),
      id: uuid('Record id', 'Id of the record (lower-case UUID).'),
      tenant: uuid('Tenant', 'Id of the tenant whose log holds the record (lower-case UUID).'),
      logIndex: integer(
        'Log index',
        "Position of the record in the tenant's log, from 0; indexes have no gaps.",
        0,
        Number.MAX_SAFE_INTEGER,
      ),
      time: {
        type: 'string',
        title: 'Time',
        description: 'When the record was committed: RFC 3339 in UTC, with milliseconds.',
        format: 'date-time',
        pattern: UTC_TIME,
      },
      application: object('Application', 'The application that asked for the generation.', {
        id: uuid('Application id', 'Id of the application (lower-case UUID).'),
        name: string('Application name', 'Name of the application when the record was made.', 200),
      }),
      provenance: oneOf(
        'Provenance',
        'generated: this service ran the model; submitted: the application ran its own ' +
          'interpretable model server and submitted the generation with its attributions, ' +
          'which this service validated but did not compute.',
        ['generated', 'submitted'],
      ),
      request: object(
        'Request context',
        'What the application said about the request (EU AI Act Art. 12, GDPR Art. 22).',
        {
          purpose: nullableString('Purpose', 'What the output is for, or null if not given.', 200),
          caseId: nullableString('Case id', 'The case it belongs to, or null if not given.', 120),
          subjectRef: nullableString(
            'Subject reference',
            'A pseudonymous reference to the person the output is about (never a name), or null.',
            120,
          ),
          solelyAutomatedDecision: {
            type: 'boolean',
            title: 'Solely automated decision',
            description:
              'Whether a decision about that person is made by the output alone, without a human.',
          },
        },
      ),
      model: MODEL_PROPERTY,
      decoding: DECODING_PROPERTY,
      steering: STEERING_PROPERTY,
      prompt: textCommitment('Prompt', 'prompt', 1),
      output: textCommitment('Output', 'output', 0),
      chunks: array(
        'Chunks',
        'Attribution of every chunk of the output, in order (none when the output is empty).',
        { $ref: '#/$defs/chunk' },
        RECORD_LIMITS.chunks,
      ),
      policy: object(
        'Policy result',
        "The application's policy version in force and how the output fared against it.",
        {
          policyId: {
            type: ['string', 'null'],
            title: 'Policy id',
            description: 'Id of the policy (lower-case UUID), or null when none applies.',
            format: 'uuid',
            pattern: UUID_PATTERN,
          },
          policyVersion: {
            type: ['integer', 'null'],
            title: 'Policy version',
            description: 'Version of the policy in force, from 1, or null when none applies.',
            minimum: 1,
          },
          rulesSha256: {
            type: ['string', 'null'],
            title: 'Rules hash',
            description:
              'SHA-256 (hex) of the canonical JSON (RFC 8785) of the rules of that version, binding the record to the rules it was judged by; null when none applies.',
            pattern: '^[0-9a-f]{64}$',
          },
          outcome: oneOf('Outcome', 'The worst rule outcome: pass, flag or block.', OUTCOME),
          results: array(
            'Rule results',
            'The outcome of each rule of the policy.',
            object('Rule result', 'How the output fared against one rule.', {
              rule: string('Rule', 'The rule, e.g. threshold:health.', 200),
              outcome: oneOf('Outcome', 'pass, flag or block.', OUTCOME),
              detail: string('Detail', 'Why, in words.', 2000, 0),
            }),
            RECORD_LIMITS.policyResults,
          ),
        },
      ),
    },
  ),
  $defs: definitions(false),
});

/** JSON Schema of the body of `POST /v1/records`. */
export const SUBMITTED_RECORD_SCHEMA: JsonSchema = deepFreeze({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: SUBMITTED_RECORD_SCHEMA_ID,
  ...object(
    'Submitted generation',
    'A generation an application made with its own interpretable model server, with the ' +
      'attributions that server computed, submitted to be validated, recorded and signed. ' +
      'Beyond this schema, chunks must be numbered 0..n-1 in order, their token ranges must ' +
      'tile 0..outputTokens, their texts must concatenate to output, their four concept shares ' +
      'must add up to 1, concept ids must be unique per list, and context effects must name ' +
      'distinct prompt positions below the number of prompt tokens, with those tokens.',
    {
      prompt: string('Prompt', 'The prompt text.', RECORD_LIMITS.textCharacters),
      output: string('Output', 'The generated text.', RECORD_LIMITS.textCharacters),
      promptTokens: array(
        'Prompt tokens',
        "The prompt as the model's tokenizer split it, each token as text.",
        { type: 'string', maxLength: RECORD_LIMITS.tokenCharacters },
        RECORD_LIMITS.promptTokens,
        1,
      ),
      outputTokens: integer(
        'Output tokens',
        'Number of tokens generated (at most decoding.maxTokens).',
        1,
        RECORD_LIMITS.outputTokens,
      ),
      model: MODEL_PROPERTY,
      decoding: DECODING_PROPERTY,
      steering: STEERING_PROPERTY,
      chunks: array(
        'Chunks',
        'Attribution of every chunk of the output, in order.',
        { $ref: '#/$defs/chunk' },
        RECORD_LIMITS.chunks,
        1,
      ),
      context: object(
        'Request context',
        'What the application says about the request; absent members are recorded as null ' +
          '(solelyAutomatedDecision as false).',
        {
          purpose: string('Purpose', 'What the output is for.', 200),
          caseId: string('Case id', 'The case the output belongs to.', 120),
          subjectRef: string(
            'Subject reference',
            'A pseudonymous reference to the person the output is about; never a name.',
            120,
          ),
          solelyAutomatedDecision: {
            type: 'boolean',
            title: 'Solely automated decision',
            description: 'Whether a decision about that person rests on this output alone.',
          },
        },
        ['purpose', 'caseId', 'subjectRef', 'solelyAutomatedDecision'],
      ),
    },
    ['context'],
  ),
  $defs: definitions(true),
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
