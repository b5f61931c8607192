/**
 * The sentences on the record's circumstances: the system's role, the steering and policy in
 * force, human oversight, and the statement's limits.
 */
import { RecordBody } from 'src/evidence-format/record-body';
import { steeringOrigin } from './aggregate';
import { ConceptEntry, ExplanationSentence, ReviewEntry } from './explanation.types';
import { listing, quoted } from './format';

/** The role of the system (EU AI Act Art. 86, GDPR Art. 22): what produced the text, for what. */
export function roleSentences(body: RecordBody): ExplanationSentence[] {
  const { request, model } = body;
  const caseId = request.caseId === null ? '' : ` in case ${quoted(request.caseId)}`;
  const purpose =
    request.purpose === null
      ? '; the application stated no purpose'
      : `${caseId ? ',' : ''} for the stated purpose ${quoted(request.purpose)}`;
  const sentences: ExplanationSentence[] = [
    {
      topic: 'role',
      cites: [
        'model.name',
        'model.version',
        'model.manifestSha256',
        'application.name',
        'request.purpose',
        ...(request.caseId === null ? [] : ['request.caseId']),
        'id',
        'time',
        'logIndex',
      ],
      text:
        `This text was produced by the language model ${quoted(model.name)} version ${model.version} ` +
        `for the application ${quoted(body.application.name)}${caseId}${purpose}. ` +
        `It is recorded as record ${body.id} at ${body.time}, entry ${body.logIndex} of the organisation's signed log.`,
    },
    body.provenance === 'generated'
      ? {
          topic: 'role',
          cites: ['provenance'],
          text: 'This service ran the model itself and computed the attributions described below in the same run.',
        }
      : {
          topic: 'role',
          cites: ['provenance'],
          text:
            "The text and its attributions were computed by the caller's own model server and signed as received; " +
            'this service did not compute them.',
        },
    request.solelyAutomatedDecision
      ? {
          topic: 'role',
          cites: ['request.solelyAutomatedDecision'],
          text:
            'The application states that a decision about the person concerned is made on this output alone, without a person taking part; ' +
            'the person may request human review of that decision, give their point of view and contest it (GDPR Art. 22(3)).',
        }
      : {
          topic: 'role',
          cites: ['request.solelyAutomatedDecision'],
          text: 'The application states that no decision about a person is made on this output alone.',
        },
  ];
  return sentences;
}

/** The concepts steering forced, with their weights (the signed record of what was forced). */
export function steeringSentences(
  body: RecordBody,
  concepts: Record<string, ConceptEntry>,
): ExplanationSentence[] {
  if (body.steering.length === 0) {
    return [
      {
        topic: 'steering',
        cites: ['steering'],
        text: 'No concept was steered when this text was produced.',
      },
    ];
  }
  const sentences: ExplanationSentence[] = [];
  for (const by of ['policy', 'request'] as const) {
    const steered = body.steering
      .map((s, i) => ({ s, origin: steeringOrigin(body, i) }))
      .filter((x) => x.origin.by === by);
    if (steered.length === 0) continue;
    const items = steered.map(({ s }) => {
      const name = quoted(concepts[s.concept]?.name ?? s.concept);
      return s.mode === 'suppress'
        ? `suppressed ${name} (its weight forced to ${s.weight}${s.penalty > 0 ? `, with a logit penalty of strength ${s.penalty}` : ''})`
        : `amplified ${name} (its weight forced to ${s.weight})`;
    });
    const who = by === 'policy' ? "The application's policy" : "The application's request";
    sentences.push({
      topic: 'steering',
      cites: steered.flatMap((x) => x.origin.cites),
      text: `${who} steered the model at every position of this text: it ${listing(items)}.`,
    });
  }
  return sentences;
}

const OUTCOME_WORDS = { pass: 'passed', flag: 'flagged', block: 'blocked' } as const;

/** The policy in force and every rule that flagged or blocked the output, with its detail. */
export function policySentences(body: RecordBody): ExplanationSentence[] {
  const { policy } = body;
  if (policy.policyId === null) {
    return [
      {
        topic: 'policy',
        cites: ['policy.policyId', 'policy.outcome'],
        text: 'No policy was in force for this application when the text was produced.',
      },
    ];
  }
  const sentences: ExplanationSentence[] = [
    {
      topic: 'policy',
      cites: ['policy.policyId', 'policy.policyVersion', 'policy.rulesSha256', 'policy.outcome'],
      text: `Policy ${quoted(policy.policyId)} version ${policy.policyVersion ?? 'unknown'} was in force, and it ${OUTCOME_WORDS[policy.outcome]} this output.`,
    },
  ];
  let passed = 0;
  policy.results.forEach((r, i) => {
    if (r.outcome === 'pass') {
      passed += 1;
      return;
    }
    sentences.push({
      topic: 'policy',
      cites: [`policy.results[${i}]`],
      text: ending(
        `The rule ${quoted(r.rule)} ${OUTCOME_WORDS[r.outcome]} the output: ${quoted(r.detail)}`,
      ),
    });
  });
  if (passed > 0 && passed < policy.results.length) {
    sentences.push({
      topic: 'policy',
      cites: ['policy.results'],
      text: passed === 1 ? 'The other rule passed.' : `The other ${passed} rules passed.`,
    });
  }
  return sentences;
}

/** The reviews on record, in log order (GDPR Art. 22(3), EU AI Act Art. 14 and 26(2)). */
export function oversightSentences(reviews: ReviewEntry[]): ExplanationSentence[] {
  if (reviews.length === 0) {
    return [{ topic: 'human-oversight', cites: [], text: 'No review is recorded.' }];
  }
  return reviews.map((r, i) => {
    const verdict =
      r.verdict === null ? 'without a verdict' : `with the verdict ${quoted(r.verdict)}`;
    const note = r.note === null ? '' : `, noting ${quoted(r.note)}`;
    return {
      topic: 'human-oversight',
      cites: [`reviews[${i}]`],
      text: ending(`${r.by} reviewed this record at ${r.time} ${verdict}${note}`),
    };
  });
}

/** What the statement does not say. */
export function limitsSentences(): ExplanationSentence[] {
  return [
    {
      topic: 'limits',
      cites: [],
      text:
        'This statement describes how the model produced the text, from its signed record; it does not say whether the text, ' +
        'or any decision based on it, is correct, and it is not by itself a finding that any legal requirement is met.',
    },
  ];
}

/** Closes a sentence with a full stop unless a quotation it ends with already closes it. */
function ending(text: string): string {
  return /[.!?]”$/.test(text) ? text : `${text}.`;
}
