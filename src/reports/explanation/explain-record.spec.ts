import { resolveCite, unresolvedCites } from './cite-resolver';
import { ExplanationInputError, explainRecord } from './explain-record';
import {
  BASE_RATES,
  CREDIT_PROMPT,
  creditInput,
  erasedTriageInput,
  known,
  match,
  withDetections,
  withNamedShare,
  word,
} from './explanation.fixtures';
import { ExplanationInput, ExplanationStatement, OBLIGATION_IDS } from './explanation.types';
import { sufficiencyOf } from './attribution-sentences';
import { LIMITED_NAMED_SHARE, MEANINGFUL_NAMED_SHARE } from './thresholds';

const textOf = (s: ExplanationStatement, topic: string) =>
  s.sentences
    .filter((x) => x.topic === topic)
    .map((x) => x.text)
    .join(' ');

/** Every named concept of the credit record, undetected in all three chunks. */
const ALL_LOW = [
  'finance.credit_lending',
  'finance.employment',
  'finance.banking',
  'finance.poverty',
  'finance.insurance',
  'tone.uncertainty',
].map((key) => [key, [0.1, 0.2, 0.3]] as const);

/** Variants that reach every branch that cites something. */
function variants(): [string, ExplanationInput][] {
  const strong = creditInput();
  strong.body.chunks[1].trainingData.chunks = [match('spdx/EUPL-1.1#3', 0.83, 'EUPL-1.1')];
  const requested = creditInput();
  requested.body.policy.results.splice(0, 2);
  return [
    ['credit (meaningful)', creditInput()],
    ['erased triage (insufficient)', erasedTriageInput()],
    ['limited', withNamedShare(creditInput(), 0.2)],
    ['strong training match', strong],
    ['steering the request asked for', requested],
    // Employment is not detected; then no concept at all is.
    ['detections stated', withDetections(creditInput(), { 'finance.employment': [0.2, 0.3, 0.1] })],
    ['all undetected', withDetections(creditInput(), Object.fromEntries(ALL_LOW))],
  ];
}

describe('explainRecord: principal reasons', () => {
  const statement = explainRecord(creditInput());

  it('gives the four largest unsteered named concepts, length-weighted over the chunks', () => {
    expect(statement.principalReasons.map((r) => r.concept)).toEqual([
      'finance.credit_lending',
      'finance.employment',
      'finance.banking',
      'finance.poverty',
    ]);
    // By hand: chunks of 32, 32 and 16 tokens list credit and lending at 0.30, 0.20 and 0.10.
    const credit = (32 * 0.3 + 32 * 0.2 + 16 * 0.1) / 80;
    expect(credit).toBeCloseTo(0.22, 12);
    expect(statement.principalReasons[0].share).toBeCloseTo(credit, 12);
    // Employment is absent from the third chunk, which counts as 0, not as missing.
    expect(statement.principalReasons[1].share).toBeCloseTo((32 * 0.12 + 32 * 0.05) / 80, 12);
    expect(statement.principalReasons[0].name).toBe('Credit and lending');
    expect(statement.principalReasons[0].cites).toEqual([
      'chunks[0].concepts.known[0].share',
      'chunks[1].concepts.known[0].share',
      'chunks[2].concepts.known[0].share',
    ]);
  });

  it('states the reasons with their shares in the concepts sentence', () => {
    expect(textOf(statement, 'concepts')).toContain(
      '“Credit and lending” (22%: loans, mortgages, interest rates, creditors and bankruptcy)',
    );
    expect(textOf(statement, 'concepts')).toContain('“Employment and wages” (6.8%');
    // Insurance (0.8% of the text) is below the 1% floor of a principal reason.
    expect(textOf(statement, 'concepts')).not.toContain('Insurance');
  });

  it('never gives an amplified concept as a reason, and says it was forced wherever it is named', () => {
    expect(statement.principalReasons.map((r) => r.concept)).not.toContain('tone.uncertainty');
    const naming = statement.sentences.filter((s) => s.text.includes('Uncertainty and hedging'));
    expect(naming.map((s) => s.topic).sort()).toEqual(['concepts', 'steering']);
    const concept = naming.find((s) => s.topic === 'concepts')!;
    expect(concept.text).toContain("forced by the application's policy");
    expect(concept.text).toContain('6.0%');
    expect(concept.cites).toEqual(
      expect.arrayContaining([
        'steering[1]',
        'policy.results[1]',
        'chunks[1].concepts.known[1].share',
      ]),
    );
    expect(naming.find((s) => s.topic === 'steering')!.text).toContain(
      'amplified “Uncertainty and hedging” (its weight forced to 1.5)',
    );
  });

  it('says the request forced a steered concept when the policy did not', () => {
    const input = creditInput();
    input.body.policy.results.splice(0, 2); // no steering rules: the request asked for it
    const s = explainRecord(input);
    expect(textOf(s, 'concepts')).toContain("forced by the application's request");
    expect(textOf(s, 'concepts')).not.toContain("forced by the application's policy");
    expect(textOf(s, 'steering')).toMatch(/^The application's request steered the model/);
  });
});

describe('explainRecord: detection (concept method version 3)', () => {
  it('gives no concept its detector did not find as a reason, and says so with its number', () => {
    const input = withDetections(creditInput(), { 'finance.employment': [0.2, 0.3, 0.1] });
    const s = explainRecord(input);
    // Employment (6.8%) would be the second reason; the next concepts by share take its place.
    expect(s.principalReasons.map((r) => r.concept)).toEqual([
      'finance.credit_lending',
      'finance.banking',
      'finance.poverty',
    ]);
    const concepts = textOf(s, 'concepts');
    expect(concepts).toContain('“Credit and lending” (22%, detected at 0.90; loans, mortgages');
    expect(concepts).toContain(
      '“Employment and wages” (6.8%; its detector reached at most 0.30) also contributed, but the model did not detect it in what it read (the prompt and the output before each token; detected means a probability of 0.50 or more), so it is not given as a reason.',
    );
    const unseen = s.sentences.find((x) => x.text.includes('did not detect'))!;
    expect(unseen.cites).toEqual(
      expect.arrayContaining([
        'chunks[0].concepts.known[1].detection',
        'chunks[1].concepts.known[3].detection',
      ]),
    );
    expect(s.principalReasons[0].detection).toBe(0.9);
    expect(s.principalReasons[0].cites).toContain('chunks[0].concepts.known[0].detection');
  });

  it('reads a concept as detected when any chunk that lists it detected it', () => {
    const s = explainRecord(
      withDetections(creditInput(), { 'finance.employment': [0.2, 0.6, 0.1] }),
    );
    const employment = s.principalReasons.find((r) => r.concept === 'finance.employment');
    expect(employment?.detection).toBe(0.6);
    expect(textOf(s, 'concepts')).not.toContain('did not detect');
  });

  it('gives no reasons when no concept large enough was detected, and claims no Reg B support', () => {
    const s = explainRecord(withDetections(creditInput(), Object.fromEntries(ALL_LOW)));
    expect(s.principalReasons).toEqual([]);
    expect(textOf(s, 'concepts')).toContain(
      'No named concept that accounts for 1.0% or more of what produced this text was detected in what the model read, so no principal reasons are given.',
    );
    expect(textOf(s, 'concepts')).not.toContain('No single named concept');
    const regB = s.obligations.find((o) => o.id === 'reg-b-1002-9')!;
    expect(regB.supportedBy).toEqual([]);
  });

  it('states the detection of the largest concepts when too little is named for reasons', () => {
    const input = withDetections(withNamedShare(creditInput(), 0.1), {
      'finance.credit_lending': [0.95, 0.4, 0.3],
      'finance.employment': [0.2, 0.3, 0.1],
    });
    expect(textOf(explainRecord(input), 'concepts')).toContain(
      'The largest named concepts were “Credit and lending” (22%, detected at 0.95) and “Employment and wages” (6.8%, not detected: its detector reached at most 0.30)',
    );
  });

  it('names an undetected concept larger than the fourth reason, and not a smaller one', () => {
    const input = creditInput();
    // Symptoms: 0.4 × 0.2 = 8% of the output; anatomy 0.4 × 0.05 = 2%, below the fourth reason
    // (poverty, 3.6%) once four detected concepts fill the reasons.
    input.body.chunks[0].concepts.known.push(
      known('health.symptom', 0.2),
      known('health.anatomy', 0.05),
    );
    const s = explainRecord(
      withDetections(input, { 'health.symptom': [0.2], 'health.anatomy': [0.1] }),
    );
    expect(s.principalReasons.map((r) => r.concept)).toEqual([
      'finance.credit_lending',
      'finance.employment',
      'finance.banking',
      'finance.poverty',
    ]);
    const unseen = s.sentences.find((x) => x.text.includes('did not detect'))!;
    expect(unseen.text).toMatch(/^“Symptoms” \(8\.0%; its detector reached at most 0\.20\)/);
    expect(unseen.text).not.toContain('Anatomy');
  });

  it('does not call a concept undetected when a chunk that lists it states no detection', () => {
    const input = withDetections(creditInput(), { 'finance.employment': [0.2, 0.3, 0.1] });
    // A record whose second chunk is of an earlier method version: employment's highest
    // detection over the chunks is not known.
    const second = input.body.chunks[1].concepts;
    second.methodVersion = 2;
    second.known = second.known.map(({ detection: _, ...k }) => k);
    const s = explainRecord(input);
    expect(s.principalReasons.map((r) => r.concept)).toContain('finance.employment');
    expect(textOf(s, 'concepts')).not.toContain('did not detect');
    expect(textOf(s, 'concepts')).toContain('does not state whether these concepts were detected');
  });

  it('never rounds a detection below 0.5 up to the 0.50 that reads as detected', () => {
    const s = explainRecord(
      withDetections(creditInput(), { 'finance.employment': [0.4999, 0.496, 0.1] }),
    );
    expect(textOf(s, 'concepts')).toContain('(6.8%; its detector reached at most 0.49)');
  });

  it('says a record before version 3 does not state detection, and reads it as before', () => {
    const s = explainRecord(creditInput());
    expect(s.principalReasons).toHaveLength(4);
    const unstated = s.sentences.find((x) => x.text.includes('does not state whether'))!;
    expect(unstated.text).toBe(
      'This record does not state whether these concepts were detected in what the model read (it was made before concept method version 3), so they are given by their share alone.',
    );
    expect(unstated.cites).toEqual([
      'chunks[0].concepts.methodVersion',
      'chunks[1].concepts.methodVersion',
      'chunks[2].concepts.methodVersion',
    ]);
    expect(textOf(s, 'concepts')).not.toMatch(/not detected|did not detect/);
  });
});

describe('explainRecord: sufficiency', () => {
  it.each([
    [MEANINGFUL_NAMED_SHARE, 'meaningful'],
    [0.39999, 'limited'],
    [LIMITED_NAMED_SHARE, 'limited'],
    [0.14999, 'insufficient'],
    [0, 'insufficient'],
  ])('a named share of %p is %s', (share, expected) => {
    const s = explainRecord(withNamedShare(creditInput(), share));
    expect(s.namedShare).toBeCloseTo(share, 12);
    expect(s.sufficiency).toBe(expected);
    expect(sufficiencyOf(share)).toBe(expected);
  });

  it('uses the documented thresholds', () => {
    expect([MEANINGFUL_NAMED_SHARE, LIMITED_NAMED_SHARE]).toEqual([0.4, 0.15]);
  });

  it('computes the named share as the length-weighted mean of knownShare', () => {
    // 0.4 × 0.5 + 0.4 × 0.5 + 0.2 × 0.25
    expect(explainRecord(creditInput()).namedShare).toBeCloseTo(0.45, 12);
  });

  it('gives reasons but says they describe only part of the text when limited', () => {
    const s = explainRecord(withNamedShare(creditInput(), 0.2));
    expect(s.principalReasons.length).toBeGreaterThan(0);
    expect(textOf(s, 'unexplained')).toContain('Named concepts account for only 20%');
    expect(textOf(s, 'unexplained')).toContain('explain only part');
  });

  it('gives no principal reasons and says why when insufficient', () => {
    const s = explainRecord(erasedTriageInput());
    expect(s.sufficiency).toBe('insufficient');
    expect(s.principalReasons).toEqual([]);
    expect(textOf(s, 'unexplained')).toContain(
      'Named concepts account for only 11% of what produced this text; the rest comes from unnamed concepts (70%) and an unexplained residual (19%). ' +
        'This is too little for a meaningful explanation in terms of named concepts, so no principal reasons are given.',
    );
    expect(textOf(s, 'concepts')).toContain('too small a part');
    expect(textOf(s, 'concepts')).not.toContain('principal reasons for this text are');
  });
});

describe('explainRecord: context words', () => {
  it('quotes the words with the largest summed effect, and a notable negative one', () => {
    const s = explainRecord(creditInput());
    const context = s.sentences.filter((x) => x.topic === 'context');
    // loan: 1.9 + 0.6 over two chunks; income: 1.1 + 0.2.
    expect(context[0].text).toContain(
      'were “loan” (+2.50: with it hidden the text would be about 12 times less likely), “late” (+1.40, about 4.1 times), “income” (+1.30, about 3.7 times) and “employed” (+0.90, about 2.5 times)',
    );
    const loan = CREDIT_PROMPT.indexOf('loan');
    expect(context[0].cites).toEqual(
      expect.arrayContaining([
        `text.prompt[${loan}:${loan + 4}]`,
        'chunks[0].context.effects',
        'chunks[1].context.effects',
      ]),
    );
    expect(context[1].text).toContain('The word “no” pushed the other way (−1.30');
    // −0.2 is under half of the top effect: not notable.
    expect(s.sentences.some((x) => x.text.includes('Summarise'))).toBe(false);
  });

  it('says the words cannot be shown once the text was erased, and shows none', () => {
    const input = creditInput();
    const s = explainRecord({ ...input, text: null }); // context words still passed by mistake
    const context = s.sentences.filter((x) => x.topic === 'context');
    expect(context).toHaveLength(1);
    expect(context[0].text).toContain('cannot be shown because the text of this record was erased');
    expect(context[0].cites).toEqual(['prompt.commitment', 'output.commitment']);
    expect(s.sentences.some((x) => x.text.includes('“loan”'))).toBe(false);
    expect(s.sentences.flatMap((x) => x.cites).some((c) => c.startsWith('text.'))).toBe(false);
  });

  it('refuses words that are not the prompt text they claim, or a chunk count that differs', () => {
    const input = creditInput();
    input.contextWords![0][0] = { ...word(CREDIT_PROMPT, 'loan', 1), word: 'lean' };
    expect(() => explainRecord(input)).toThrow(ExplanationInputError);
    const short = creditInput();
    short.contextWords!.pop();
    expect(() => explainRecord(short)).toThrow(/contextWords has 2 chunks, the record 3/);
  });
});

describe('explainRecord: training data', () => {
  it('states source shares against their base rates, with the lift', () => {
    expect(textOf(explainRecord(erasedTriageInput()), 'training-data')).toContain(
      'drew on “wordnet” for 62% of its concept use, against 16% of the training data (4.0×)',
    );
    const input = creditInput();
    input.trainingBaseRates = { ...BASE_RATES, sotu: 0.3 };
    // sotu: 0.4 × 0.55 + 0.4 × 0.5 + 0.2 × 0.4 = 0.50, against 0.30.
    const text = textOf(explainRecord(input), 'training-data');
    expect(text).toContain(
      'drew on “sotu” for 50% of its concept use, against 30% of the training data (1.7×)',
    );
    expect(text).toContain('not what caused the text');
  });

  it('states weak matches as weak and names no document for them', () => {
    const text = textOf(explainRecord(creditInput()), 'training-data');
    expect(text).toContain('scores only 0.31');
    expect(text).toContain('a weak match: it is not evidence');
    expect(text).not.toContain('sotu/1934_franklin_d_roosevelt_d');
  });

  it('names strong matches from a score of 0.50', () => {
    const input = creditInput();
    input.body.chunks[2].trainingData.chunks = [
      match('spdx/EUPL-1.1#3', 0.5),
      match('spdx/MIT#0', 0.49),
    ];
    const text = textOf(explainRecord(input), 'training-data');
    expect(text).toContain('“spdx/EUPL-1.1#3” from “spdx/EUPL-1.1”');
    expect(text).not.toContain('spdx/MIT#0');
    expect(text).not.toContain('weak match');
  });

  /** Chunk 2's matches read against a base rate (method version 3), as the runtime writes them. */
  function calibrated(matches: [chunk: string, score: number][]): ExplanationInput {
    const input = creditInput();
    const baseline = { sampledChunks: 512, median: 0.1, ceiling: 0.7 };
    const data = input.body.chunks[2].trainingData;
    data.methodVersion = 3;
    data.baseline = baseline;
    data.chunks = matches.map(([chunk, score]) => {
      const c = (score - baseline.median) / (baseline.ceiling - baseline.median);
      return { ...match(chunk, score), calibrated: c, weak: c < 1.5 };
    });
    return input;
  }

  it('never gives a match no clearer than chance as evidence, however high its score', () => {
    // 0.75 against a ceiling of 0.70: the gloss-style text of the issue, close to many glosses.
    const input = calibrated([['wordnet/gloss#9', 0.75]]);
    const statement = explainRecord(input);
    const text = textOf(statement, 'training-data');
    expect(text).toContain('scores 0.75');
    expect(text).toContain('the best of 512 training chunks taken evenly');
    expect(text).toContain('already scores 0.70: no clearer than chance, a weak match');
    expect(text).not.toContain('“wordnet/gloss#9” from');
    expect(unresolvedCites(statement, input)).toEqual([]);
  });

  it('never cites a match of a chunk without content, as evidence or as the closest passage', () => {
    const input = calibrated([['sotu/1934_franklin_d_roosevelt_d#2', 0.3]]);
    // The chunk before it, punctuation alone, "resembles" a passage far above chance.
    const dot = input.body.chunks[1];
    dot.noContent = true;
    dot.trainingData = {
      ...input.body.chunks[2].trainingData,
      chunks: [{ ...match('fhir/CodeSystem#13', 0.95), calibrated: 2.7, weak: false }],
    };
    const statement = explainRecord(input);
    const text = textOf(statement, 'training-data');
    expect(text).not.toContain('fhir/CodeSystem#13');
    // The closest passage is a chunk with content's, weak (another chunk's 0.31, uncalibrated).
    expect(text).toContain('scores only 0.31');
    expect(text).toContain('a weak match');
    expect(unresolvedCites(statement, input)).toEqual([]);
    // Without the mark, the same match is evidence.
    delete dot.noContent;
    expect(textOf(explainRecord(input), 'training-data')).toContain('“fhir/CodeSystem#13” from');
    // When only chunks without content have matches, none is the text's.
    dot.noContent = true;
    input.body.chunks.forEach((c, i) => {
      if (i !== 1) c.trainingData.chunks = [];
    });
    const none = textOf(explainRecord(input), 'training-data');
    expect(none).toContain('No training passage was matched to a part of this text with content.');
    expect(none).not.toContain('fhir/CodeSystem#13');
  });

  it('names a match clearly above the base rate, with how far, and leaves the weak one out', () => {
    // (1.0 − 0.1) / 0.6 = 1.5: just clear; (0.95 − 0.1) / 0.6 ≈ 1.42: not.
    const input = calibrated([
      ['sotu/canary#4', 1],
      ['sotu/1934_franklin_d_roosevelt_d#2', 0.95],
    ]);
    const statement = explainRecord(input);
    const text = textOf(statement, 'training-data');
    expect(text).toContain('“sotu/canary#4” from');
    expect(text).toContain('score 1.00, 1.5 times as far above');
    expect(text).not.toContain('franklin');
    const sentence = statement.sentences.find((x) => x.text.includes('sotu/canary#4'));
    expect(sentence?.cites).toContain('chunks[2].trainingData.baseline');
    expect(unresolvedCites(statement, input)).toEqual([]);
  });
});

describe('explainRecord: role, policy and oversight', () => {
  it('states the role, the solely automated decision and the right to human review', () => {
    const role = textOf(explainRecord(creditInput()), 'role');
    expect(role).toContain('“audit-lm-full” version 1.1.0');
    expect(role).toContain(
      'in case “APP-2026-0117”, for the stated purpose “summarise a consumer credit application for the underwriter”',
    );
    expect(role).toContain('may request human review');
    expect(role).toContain('GDPR Art. 22(3)');
    const other = textOf(explainRecord(erasedTriageInput()), 'role');
    expect(other).not.toContain('human review');
    expect(other).toContain("computed by the caller's own model server and signed as received");
  });

  it('states the policy outcome and each flagged rule with its detail', () => {
    const s = explainRecord(creditInput());
    const flagged = s.sentences.find((x) => x.cites.includes('policy.results[2]'))!;
    expect(flagged.text).toBe(
      'The rule “threshold:pii” flagged the output: “pii share 0.0812 > flag limit 0.05”.',
    );
    expect(textOf(s, 'policy')).toContain(
      'Policy “pol-credit-summaries” version 3 was in force, and it flagged this output.',
    );
  });

  it('states each review, or that there is none', () => {
    const review = explainRecord(creditInput()).sentences.filter(
      (x) => x.topic === 'human-oversight',
    );
    expect(review).toEqual([
      {
        topic: 'human-oversight',
        cites: ['reviews[0]'],
        text: 'j.moreau@bank.example reviewed this record at 2026-03-04T09:12:44.120Z with the verdict “approved”, noting “Summary matches the application file.”',
      },
    ]);
    expect(textOf(explainRecord(erasedTriageInput()), 'human-oversight')).toBe(
      'No review is recorded.',
    );
  });
});

describe('explainRecord: every statement', () => {
  it.each(variants())('%s: every cite resolves in the record', (_, input) => {
    const s = explainRecord(input);
    expect(unresolvedCites(s, input)).toEqual([]);
    expect(s.sentences.flatMap((x) => x.cites).length).toBeGreaterThan(20);
  });

  it('quotes exactly the prompt span a context cite names', () => {
    const input = creditInput();
    const s = explainRecord(input);
    for (const cite of s.sentences
      .flatMap((x) => x.cites)
      .filter((c) => c.startsWith('text.prompt'))) {
      const r = resolveCite(cite, input);
      expect(r.found && s.sentences.some((x) => x.text.includes(`“${r.value as string}”`))).toBe(
        true,
      );
    }
  });

  it.each(variants())(
    '%s: never claims compliance, and ends with the limits sentence',
    (_, input) => {
      const s = explainRecord(input);
      const all = [
        ...s.sentences.map((x) => x.text),
        ...s.obligations.map((o) => `${o.label} ${o.summary}`),
      ];
      for (const text of all) expect(text).not.toMatch(/complies|compliant/i);
      expect(s.sentences[s.sentences.length - 1]).toEqual(
        expect.objectContaining({
          topic: 'limits',
          text: expect.stringContaining(
            'does not say whether the text, or any decision based on it, is correct',
          ) as string,
        }),
      );
    },
  );

  it('is deterministic', () => {
    expect(JSON.stringify(explainRecord(creditInput()))).toBe(
      JSON.stringify(explainRecord(creditInput())),
    );
  });
});

describe('explainRecord: obligations', () => {
  it('maps every obligation to topics the statement has sentences on, as support only', () => {
    const s = explainRecord(creditInput());
    expect(s.obligations.map((o) => o.id)).toEqual([...OBLIGATION_IDS]);
    const topics = new Set(s.sentences.map((x) => x.topic));
    for (const o of s.obligations) {
      expect(o.supportedBy.length).toBeGreaterThan(0);
      for (const t of o.supportedBy) expect(topics.has(t)).toBe(true);
      expect(o.summary).toMatch(/^Provides evidence for /);
    }
    const by = Object.fromEntries(s.obligations.map((o) => [o.id, o.supportedBy]));
    expect(by['eu-ai-act-art-86']).toEqual(
      expect.arrayContaining(['role', 'concepts', 'unexplained']),
    );
    expect(by['gdpr-art-22']).toEqual(['role', 'human-oversight']);
    expect(by['reg-b-1002-9']).toEqual(['concepts', 'unexplained']);
  });

  it('claims no support for Reg B principal reasons when none are given', () => {
    const regB = explainRecord(erasedTriageInput()).obligations.find(
      (o) => o.id === 'reg-b-1002-9',
    )!;
    expect(regB.supportedBy).toEqual([]);
    expect(regB.summary).toMatch(/^Provides no evidence for /);
  });
});
