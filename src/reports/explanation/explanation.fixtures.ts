/**
 * Records for the explanation tests, shaped like the shipped model's (audit-lm-full 1.1.0: its
 * concept keys, sources and chunk ids). Not used by the explanation code itself.
 */
import { ConceptShare, TrainingChunkMatch } from 'src/evidence-format/attribution';
import { RecordBody, RecordChunk } from 'src/evidence-format/record-body';
import { ConceptEntry, ContextWord, ExplanationInput } from './explanation.types';

const INTERPRETATION =
  "Similarity between this text's concept use and each training chunk's concept signature, in " +
  "the model's own concept space (which concepts, and in which order), and each source's lift " +
  'for the concepts at work. It shows which training data the concepts at work are most like; ' +
  'it is not a measure of causal influence.';

/** From the model's concepts.json. */
export const CONCEPTS: Record<string, ConceptEntry> = {
  'finance.banking': {
    name: 'Banking',
    group: 'finance',
    description: 'Banks as financial institutions, central banking and deposits.',
  },
  'finance.credit_lending': {
    name: 'Credit and lending',
    group: 'finance',
    description: 'Loans, mortgages, interest rates, creditors and bankruptcy.',
  },
  'finance.employment': {
    name: 'Employment and wages',
    group: 'finance',
    description: 'Jobs, unemployment, wages and the labour force.',
  },
  'finance.insurance': {
    name: 'Insurance',
    group: 'finance',
    description: 'Insurance, insurers, premiums and underwriting.',
  },
  'finance.poverty': {
    name: 'Poverty and inequality',
    group: 'finance',
    description: 'Poverty, household income, inequality and homelessness.',
  },
  'demographic.age': { name: 'Age', group: 'demographic', description: 'Ages and age groups.' },
  'tone.uncertainty': {
    name: 'Uncertainty and hedging',
    group: 'tone',
    description: 'Hedged, tentative and uncertain wording.',
  },
  'health.symptom': {
    name: 'Symptoms',
    group: 'health',
    description: 'Bodily symptoms such as fever, cough or nausea.',
  },
  'health.anatomy': {
    name: 'Anatomy',
    group: 'health',
    description: 'Organs, tissues and parts of the body.',
  },
};

/** Each source's share of the model's 30,589 training chunks (manifest.json). */
export const BASE_RATES: Record<string, number> = {
  sotu: 13669 / 30589,
  factbook: 6567 / 30589,
  spdx: 5606 / 30589,
  wordnet: 4747 / 30589,
};

const ID: Record<string, number> = {
  'finance.banking': 16,
  'finance.credit_lending': 17,
  'finance.insurance': 20,
  'finance.employment': 23,
  'finance.poverty': 28,
  'demographic.age': 62,
  'tone.uncertainty': 86,
  'health.symptom': 2,
  'health.anatomy': 3,
};

export function known(key: string, share: number): ConceptShare {
  const c = CONCEPTS[key];
  return { id: ID[key], key, name: c.name, group: c.group, contribution: share * 2.5, share };
}

function unknown(id: number, share: number, topTokens: string[]): ConceptShare {
  return { id, topTokens, contribution: share * 2, share };
}

export function match(chunk: string, score: number, licence = 'Public domain'): TrainingChunkMatch {
  const [document] = chunk.split('#');
  return {
    chunk,
    source: chunk.split('/')[0],
    document,
    start: 0,
    end: 400,
    licence,
    sha256: 'ab'.repeat(32),
    segment: { start: 0, end: 200 },
    score,
    conceptSimilarity: Math.min(1, score + 0.1),
    sequenceMatch: Math.max(0, score - 0.1),
  };
}

interface ChunkSpec {
  start: number;
  end: number;
  known: ConceptShare[];
  unknown: ConceptShare[];
  shares: [known: number, unknown: number, epsilon: number, steering: number];
  sources: Record<string, number>;
  matches: TrainingChunkMatch[];
}

export function chunk(index: number, s: ChunkSpec): RecordChunk {
  return {
    index,
    start: s.start,
    end: s.end,
    concepts: {
      method: 'concept-decomposition',
      methodVersion: 1,
      known: s.known,
      unknown: s.unknown,
      knownShare: s.shares[0],
      unknownShare: s.shares[1],
      epsilonShare: s.shares[2],
      steeringShare: s.shares[3],
      steeringPenalty: s.shares[3] > 0 ? 0.4 : 0,
    },
    context: {
      method: 'leave-one-out-mask',
      methodVersion: 1,
      effects: [{ position: 0, logit: 0.5, logProb: 0.4 }],
    },
    trainingData: {
      method: 'concept-signature-similarity',
      methodVersion: 2,
      interpretation: INTERPRETATION,
      sources: s.sources,
      chunks: s.matches,
    },
  };
}

export const CREDIT_PROMPT =
  'Applicant: 34-year-old warehouse supervisor, employed 6 years, monthly income 3,200 EUR. ' +
  'Requests a 15,000 EUR car loan over 5 years. Two late credit card payments in 2025; no defaults. ' +
  'Summarise for the underwriter.';

/** A whole prompt word at its first occurrence, with its effect. */
export function word(prompt: string, text: string, effect: number): ContextWord {
  const start = prompt.indexOf(text);
  if (start < 0) throw new Error(`"${text}" is not in the prompt`);
  return { word: text, start, end: start + text.length, effect };
}

function creditBody(): RecordBody {
  return {
    id: '0190f3a2-7c41-7d2e-9b10-3e5c8a1f2d44',
    tenant: '3f6c1a2e-8b4d-4e0f-9a71-5c2d8e6b1f03',
    logIndex: 1842,
    time: '2026-03-04T08:57:12.031Z',
    schemaVersion: 1,
    kind: 'record',
    application: { id: 'a7d1c0e2-5b3f-4c8a-9e21-7f40b6d3c915', name: 'Loan pre-screening' },
    provenance: 'generated',
    request: {
      purpose: 'summarise a consumer credit application for the underwriter',
      caseId: 'APP-2026-0117',
      subjectRef: 'subj-5f2e91',
      solelyAutomatedDecision: true,
    },
    model: {
      name: 'audit-lm-full',
      version: '1.1.0',
      manifestSha256: 'c4'.repeat(32),
      files: { 'model.onnx': 'd1'.repeat(32) },
    },
    decoding: { maxTokens: 80, temperature: 0, topP: 1, seed: 7, stoppedBy: 'max_tokens' },
    steering: [
      { conceptId: 62, concept: 'demographic.age', mode: 'suppress', weight: 0, penalty: 1 },
      { conceptId: 86, concept: 'tone.uncertainty', mode: 'amplify', weight: 1.5, penalty: 0 },
    ],
    prompt: {
      commitment: `sha256:${'e3'.repeat(32)}`,
      characters: CREDIT_PROMPT.length,
      tokens: 52,
    },
    output: { commitment: `sha256:${'9a'.repeat(32)}`, characters: 410, tokens: 80 },
    chunks: [
      chunk(0, {
        start: 0,
        end: 32,
        known: [
          known('finance.credit_lending', 0.3),
          known('finance.employment', 0.12),
          known('finance.banking', 0.06),
          known('finance.insurance', 0.02),
        ],
        unknown: [unknown(211, 0.22, ['loan', 'repay']), unknown(340, 0.16, ['months', 'years'])],
        shares: [0.5, 0.38, 0.12, 0],
        sources: { sotu: 0.55, factbook: 0.25, spdx: 0.05, wordnet: 0.15 },
        matches: [
          match('sotu/1934_franklin_d_roosevelt_d#12', 0.31),
          match('factbook/europe/gm#4', 0.28),
        ],
      }),
      chunk(1, {
        start: 32,
        end: 64,
        known: [
          known('finance.credit_lending', 0.2),
          known('tone.uncertainty', 0.15),
          known('finance.poverty', 0.09),
          known('finance.employment', 0.05),
        ],
        unknown: [unknown(211, 0.18, ['loan', 'repay']), unknown(77, 0.12, ['late', 'missed'])],
        shares: [0.5, 0.3, 0.14, 0.06],
        sources: { sotu: 0.5, factbook: 0.2, spdx: 0.2, wordnet: 0.1 },
        matches: [match('sotu/1982_ronald_reagan_r#3', 0.22)],
      }),
      chunk(2, {
        start: 64,
        end: 80,
        known: [known('finance.credit_lending', 0.1), known('finance.banking', 0.08)],
        unknown: [unknown(340, 0.5, ['months', 'years'])],
        shares: [0.25, 0.5, 0.2, 0.05],
        sources: { sotu: 0.4, factbook: 0.3, spdx: 0.1, wordnet: 0.2 },
        matches: [match('wordnet/noun.possession#8', 0.19, 'WordNet 3.1 licence')],
      }),
    ],
    policy: {
      policyId: 'pol-credit-summaries',
      policyVersion: 3,
      rulesSha256: '5b'.repeat(32),
      outcome: 'flag',
      results: [
        { rule: 'steering:demographic.age', outcome: 'pass', detail: 'suppress applied' },
        { rule: 'steering:tone.uncertainty', outcome: 'pass', detail: 'amplify applied' },
        { rule: 'threshold:pii', outcome: 'flag', detail: 'pii share 0.0812 > flag limit 0.05' },
        { rule: 'threshold:safety', outcome: 'pass', detail: 'safety share 0.0031 within limits' },
      ],
    },
  };
}

/**
 * A consumer credit summary: three chunks of 32, 32 and 16 tokens (weights 0.4, 0.4, 0.2),
 * named share 0.45 (meaningful), an amplified and a suppressed concept from the policy, a
 * flagged policy rule, weak training matches and one review.
 */
export function creditInput(): ExplanationInput {
  const p = CREDIT_PROMPT;
  return {
    body: creditBody(),
    text: {
      prompt: p,
      output: 'The applicant, a warehouse supervisor employed for six years, …',
      chunkTexts: ['The applicant, a warehouse', 'supervisor employed', 'for six years, …'],
    },
    contextWords: [
      [
        word(p, 'loan', 1.9),
        word(p, 'income', 1.1),
        word(p, 'employed', 0.9),
        word(p, 'Summarise', -0.2),
      ],
      [word(p, 'late', 1.4), word(p, 'loan', 0.6), word(p, 'defaults', 0.5), word(p, 'no', -1.3)],
      [word(p, 'income', 0.2), word(p, 'supervisor', 0.3)],
    ],
    concepts: CONCEPTS,
    trainingBaseRates: BASE_RATES,
    reviews: [
      {
        verdict: 'approved',
        note: 'Summary matches the application file.',
        by: 'j.moreau@bank.example',
        time: '2026-03-04T09:12:44.120Z',
      },
    ],
  };
}

/**
 * A submitted triage note whose text was erased: named share 0.11, unnamed 0.70, residual 0.19
 * (insufficient), no policy, no steering, no review.
 */
export function erasedTriageInput(): ExplanationInput {
  const body = creditBody();
  return {
    body: {
      ...body,
      id: '0190f3b7-11aa-7e00-8c3d-5a6b7c8d9e0f',
      logIndex: 2210,
      application: { id: 'c2b7e9f0-1d3a-4b5c-8d6e-9f0a1b2c3d4e', name: 'ED triage notes' },
      provenance: 'submitted',
      request: { purpose: null, caseId: null, subjectRef: null, solelyAutomatedDecision: false },
      steering: [],
      chunks: [
        chunk(0, {
          start: 0,
          end: 40,
          known: [known('health.symptom', 0.07), known('health.anatomy', 0.03)],
          unknown: [unknown(12, 0.41, ['pain', 'chest']), unknown(98, 0.29, ['since', 'hours'])],
          shares: [0.11, 0.7, 0.19, 0],
          sources: { wordnet: 0.62, factbook: 0.2, sotu: 0.1, spdx: 0.08 },
          matches: [match('wordnet/noun.state#21', 0.74, 'WordNet 3.1 licence')],
        }),
      ],
      policy: {
        policyId: null,
        policyVersion: null,
        rulesSha256: null,
        outcome: 'pass',
        results: [],
      },
    },
    text: null,
    contextWords: null,
    concepts: CONCEPTS,
    trainingBaseRates: BASE_RATES,
    reviews: [],
  };
}

/** The input with every chunk's named share set to `share`; unnamed 3/4 and residual 1/4 of the rest. */
export function withNamedShare(input: ExplanationInput, share: number): ExplanationInput {
  const chunks = input.body.chunks.map((c) => ({
    ...c,
    concepts: {
      ...c.concepts,
      knownShare: share,
      unknownShare: (1 - share) * 0.75,
      epsilonShare: (1 - share) * 0.25,
      steeringShare: 0,
    },
  }));
  return { ...input, body: { ...input.body, chunks } };
}

/**
 * The input in concept method version 3: every named concept of every chunk states a detection,
 * `detections[key][c]` for chunk c where given, else 0.9 (detected).
 */
export function withDetections(
  input: ExplanationInput,
  detections: Record<string, readonly number[]> = {},
): ExplanationInput {
  const chunks = input.body.chunks.map((c, i) => ({
    ...c,
    concepts: {
      ...c.concepts,
      methodVersion: 3 as const,
      known: c.concepts.known.map((k) => ({
        ...k,
        detection: detections[k.key ?? '']?.[i] ?? 0.9,
      })),
    },
  }));
  return { ...input, body: { ...input.body, chunks } };
}
