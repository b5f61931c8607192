/**
 * Which of a statement's sentences support which obligation. A statement supports or provides
 * evidence for an obligation; it never meets one by itself (the deployer's duties remain, see
 * templates/period-audit/regulatory-mapping.json), so no wording here says otherwise.
 */
import { ObligationId, ObligationSupport, SentenceTopic } from './explanation.types';

/** Short labels; the regulatory mapping template must use the same ones (its loader checks). */
export const OBLIGATION_LABELS: Record<ObligationId, string> = {
  'eu-ai-act-art-12': 'EU AI Act Art. 12: record-keeping',
  'eu-ai-act-art-19': 'EU AI Act Art. 19: log retention by the provider',
  'eu-ai-act-art-26-6': 'EU AI Act Art. 26(6): log retention by the deployer (at least six months)',
  'eu-ai-act-art-86': 'EU AI Act Art. 86: right to explanation of individual decision-making',
  'gdpr-art-22': 'GDPR Art. 22: decisions based solely on automated processing',
  'gdpr-art-15-1-h': 'GDPR Art. 15(1)(h): meaningful information about the logic involved',
  'hipaa-164-312-b': 'HIPAA 45 CFR 164.312(b): audit controls',
  'sec-17a-4-f': 'SEC Rule 17a-4(f): audit-trail alternative',
  'reg-b-1002-9': 'Regulation B 12 CFR 1002.9: statement of specific (principal) reasons',
};

/**
 * The topics whose sentences bear on each obligation:
 * - Art. 12: the sentences that restate what the record logged about the event.
 * - Art. 19 and 26(6): the role sentence shows the record is in the log (id, time, index); how
 *   long it stays there is the retention policy's, shown in the period report.
 * - Art. 86: the role of the system and the main elements, with their limits stated.
 * - GDPR 22: whether the decision is solely automated, and the human review on record.
 * - GDPR 15(1)(h): the logic actually applied and the personal data (prompt words) it used.
 * - HIPAA 164.312(b) and SEC 17a-4(f): the activity recorded, and who examined it and when.
 * - Reg B 1002.9: the principal reasons, only when the statement gives them.
 */
const SUPPORT: Record<ObligationId, SentenceTopic[]> = {
  'eu-ai-act-art-12': [
    'role',
    'concepts',
    'unexplained',
    'context',
    'training-data',
    'steering',
    'policy',
  ],
  'eu-ai-act-art-19': ['role'],
  'eu-ai-act-art-26-6': ['role'],
  'eu-ai-act-art-86': [
    'role',
    'concepts',
    'unexplained',
    'context',
    'steering',
    'policy',
    'human-oversight',
    'limits',
  ],
  'gdpr-art-22': ['role', 'human-oversight'],
  'gdpr-art-15-1-h': ['role', 'concepts', 'unexplained', 'context', 'training-data', 'limits'],
  'hipaa-164-312-b': ['role', 'human-oversight'],
  'sec-17a-4-f': ['role', 'human-oversight'],
  'reg-b-1002-9': ['concepts', 'unexplained'],
};

/** The obligation mapping of one statement; Reg B is supported only when reasons are given. */
export function obligationsFor(givesPrincipalReasons: boolean): ObligationSupport[] {
  return (Object.keys(OBLIGATION_LABELS) as ObligationId[]).map((id) => {
    const topics = id === 'reg-b-1002-9' && !givesPrincipalReasons ? [] : SUPPORT[id];
    return {
      id,
      label: OBLIGATION_LABELS[id],
      supportedBy: [...topics],
      summary: summary(id, topics),
    };
  });
}

function summary(id: ObligationId, topics: SentenceTopic[]): string {
  if (topics.length === 0) {
    return `Provides no evidence for ${OBLIGATION_LABELS[id]}: this statement gives no principal reasons.`;
  }
  return `Provides evidence for ${OBLIGATION_LABELS[id]} (sentences on: ${topics.join(', ')}).`;
}
