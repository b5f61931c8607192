import { ReportSection } from 'src/reports/document/report-document';
import { percent } from 'src/reports/explanation/format';
import { DecisionCard } from 'src/reports/kinds/decision-card';
import {
  count,
  intro,
  methodSection,
  ReportContext,
  summarySection,
  verificationSection,
} from 'src/reports/kinds/report-context';
import { ReportLayout } from 'src/reports/kinds/report-layout';

/** The sections of a decision evidence report (one card) or a case file (every card, in order). */
export function recordReportSections(
  layout: ReportLayout,
  context: ReportContext,
  cards: readonly DecisionCard[],
): ReportSection[] {
  const verified = {
    records: cards.length,
    signatures: cards.filter((c) => c.summary.signatureVerified).length,
    inclusions: cards.filter((c) => c.summary.inclusionVerified).length,
  };
  const sufficiency = (s: string) => cards.filter((c) => c.summary.sufficiency === s).length;
  const summary = summarySection(layout, context, [
    ['Records', count(cards.length, 'record')],
    [
      'Named share',
      cards.length === 0
        ? '—'
        : `${sufficiency('meaningful')} meaningful, ${sufficiency('limited')} limited, ${sufficiency('insufficient')} insufficient for an explanation`,
    ],
    [
      'Verified',
      `${count(verified.signatures, 'signature')} and ${count(verified.inclusions, 'inclusion proof')} of ${count(cards.length, 'record')}`,
    ],
  ]);
  const records = layout.sections.records;
  const sections: ReportSection[] = [summary];
  if (context.kind === 'case-file') {
    sections.push({
      title: records.title,
      blocks: [
        ...intro(records),
        cards.length === 0
          ? { type: 'paragraph', text: 'No record of the log at this checkpoint names this case.' }
          : {
              type: 'table',
              columns: [
                { header: 'Index', align: 'right' },
                { header: 'Committed', width: 3 },
                { header: 'Application', width: 2 },
                { header: 'Outcome', width: 1.3 },
                { header: 'Named', align: 'right' },
                { header: 'Entries about it', align: 'right', width: 2 },
              ],
              rows: cards.map((c) => [
                String(c.summary.logIndex),
                c.summary.time,
                c.summary.application,
                c.summary.policyOutcome,
                percent(c.summary.namedShare),
                String(c.summary.related),
              ]),
            },
      ],
      children: cards.map((c) => c.section),
    });
  } else {
    const [card] = cards;
    sections.push({ ...card.section, title: `${records.title}: ${card.section.title}` });
  }
  sections.push(verificationSection(layout, context, verified), methodSection(layout));
  return sections;
}
