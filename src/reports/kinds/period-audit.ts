import { Chart } from 'src/charts/chart';
import { conceptDrift, policyOutcomes, volumeOverTime } from 'src/charts/period-charts';
import { distribution, sourceMix } from 'src/charts/record-charts';
import { BucketUnit } from 'src/charts/time-buckets';
import { DETECTED_AT, detectionFigure } from 'src/evidence-format/attribution';
import { ChartBlock, ReportBlock, ReportSection } from 'src/reports/document/report-document';
import { ConceptEntry } from 'src/reports/explanation/explanation.types';
import { percent } from 'src/reports/explanation/format';
import { RegulatoryMapping } from 'src/reports/explanation/regulatory-mapping';
import { DecisionCard } from 'src/reports/kinds/decision-card';
import { PeriodFigures, periodBuckets } from 'src/reports/kinds/period-aggregate';
import {
  CHART_WIDTH,
  count,
  intro,
  ReportContext,
  summarySection,
  verificationSection,
} from 'src/reports/kinds/report-context';
import { ReportLayout } from 'src/reports/kinds/report-layout';

/** Concepts in the drift chart and the usage table. */
const TOP_CONCEPTS = 12;
/** Rows of the access and erasure tables (the rest are summed in a last row). */
const TABLE_ROWS = 25;

export interface AccessRow {
  /** The reader as the report names them: e-mail (role), or the application's id. */
  reader: string;
  action: string;
  object: 'record' | 'report' | 'other';
  reads: number;
  objects: number;
}

/** Log entries of the period other than records: people's reviews, erasures and reads. */
export interface PeriodEntries {
  reviews: { total: number; byType: Map<string, number>; byVerdict: Map<string, number> };
  /** Flagged and blocked records of the period, and how many of each have a review. */
  flagged: { total: number; reviewed: number };
  blocked: { total: number; reviewed: number };
  erasures: { total: number; byReason: Map<string, number> };
  /** Reads by reader, action and kind of object, with the number of distinct objects read. */
  access: { total: number; rows: AccessRow[] };
}

export interface PeriodAuditInput {
  from: Date;
  to: Date;
  unit: BucketUnit;
  figures: PeriodFigures;
  /** The same scope over the previous period of the same length. */
  previous: PeriodFigures;
  previousFrom: Date;
  concepts: Record<string, ConceptEntry>;
  baseRates: Record<string, number>;
  entries: PeriodEntries;
  sample: readonly DecisionCard[];
  mapping: RegulatoryMapping;
  verified: { records: number; signatures: number; inclusions: number };
}

export async function periodAuditSections(
  layout: ReportLayout,
  context: ReportContext,
  input: PeriodAuditInput,
): Promise<ReportSection[]> {
  const f = input.figures;
  const s = layout.sections;
  const summary = summarySection(layout, context, [
    ['Period', `${input.from.toISOString()} to ${input.to.toISOString()} (end exclusive)`],
    ['Outputs', count(f.records, 'output')],
    [
      'Policy outcomes',
      `${f.outcomes.pass.toLocaleString('en-US')} passed, ${f.outcomes.flag.toLocaleString('en-US')} flagged, ${f.outcomes.block.toLocaleString('en-US')} blocked`,
    ],
    [
      'Previous period',
      `${count(input.previous.records, 'output')} from ${input.previousFrom.toISOString()}`,
    ],
    ['Solely automated decisions', count(f.solelyAutomated, 'output')],
    ['Steered outputs', count(f.steered, 'output')],
    [
      'Explanations',
      `${f.sufficiency.meaningful} meaningful, ${f.sufficiency.limited} limited, ${f.sufficiency.insufficient} insufficient (named share)`,
    ],
    [
      'Human oversight',
      `${count(input.entries.reviews.total, 'review')}; ${input.entries.flagged.reviewed} of ${input.entries.flagged.total} flagged and ${input.entries.blocked.reviewed} of ${input.entries.blocked.total} blocked outputs reviewed`,
    ],
    ['Erasures', count(input.entries.erasures.total, 'erasure')],
    ['Reads by people', count(input.entries.access.total, 'read')],
  ]);
  return [
    summary,
    await volumeSection(s.volume, input),
    await conceptsSection(s.concepts, input),
    await sourcesSection(s.sources, input),
    await sharesSection(s.shares, input),
    oversightSection(s.oversight, input.entries),
    erasuresSection(s.erasures, input.entries),
    accessSection(s.access, input.entries),
    {
      title: s.sample.title,
      newPage: true,
      blocks: [
        ...intro(s.sample),
        input.sample.length === 0
          ? { type: 'paragraph', text: 'The period has no outputs to sample.' }
          : {
              type: 'paragraph',
              style: 'note',
              text: `Sampled: ${input.sample.map((c) => `${c.summary.id} (index ${c.summary.logIndex})`).join(', ')}.`,
            },
      ],
      children: input.sample.map((c) => c.section),
    },
    regulatorySection(s.regulatory, input.mapping),
    verificationSection(layout, context, input.verified),
    {
      title: s.signoff.title,
      newPage: true,
      blocks: [
        ...intro(s.signoff),
        {
          type: 'signOff',
          fields: ['Reviewer name', 'Role', 'Organisation', 'Date', 'Findings', 'Signature'],
        },
      ],
    },
  ];
}

type Titled = { title: string; intro: string };

async function volumeSection(section: Titled, input: PeriodAuditInput): Promise<ReportSection> {
  const f = input.figures;
  const buckets = periodBuckets(input.from, input.to, input.unit);
  const points = buckets.flatMap((start) => {
    const counts = f.volume.get(start) ?? { pass: 0, flag: 0, block: 0 };
    return (['pass', 'flag', 'block'] as const).map((outcome) => ({
      period: new Date(start).toISOString(),
      outcome,
      count: counts[outcome],
    }));
  });
  const volume = await volumeOverTime(points, { unit: input.unit, width: CHART_WIDTH });
  const apps = [...f.byApplication]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([application, c]) => ({ application, ...c }));
  const outcomes = await policyOutcomes(apps, { width: CHART_WIDTH });
  return {
    title: section.title,
    newPage: true,
    blocks: [
      ...intro(section),
      chartBlock(volume),
      chartBlock(outcomes, 'Policy outcomes by application.'),
      {
        type: 'table',
        columns: [
          { header: 'Application', width: 3 },
          { header: 'Passed', align: 'right' },
          { header: 'Flagged', align: 'right' },
          { header: 'Blocked', align: 'right' },
        ],
        rows: apps.map((a) => [a.application, String(a.pass), String(a.flag), String(a.block)]),
      },
    ],
  };
}

async function conceptsSection(section: Titled, input: PeriodAuditInput): Promise<ReportSection> {
  const current = input.figures.concepts.slice(0, TOP_CONCEPTS);
  const before = new Map(input.previous.concepts.map((c) => [c.key, c]));
  const name = (key: string) => input.concepts[key]?.name ?? key;
  const drift = await conceptDrift(
    current.map((c) => ({
      concept: name(c.key),
      current: clamp(c.meanShare),
      previous: clamp(before.get(c.key)?.meanShare ?? 0),
    })),
    { width: CHART_WIDTH, measure: 'Mean share of the logit per output' },
  );
  const blocks: ReportBlock[] = [
    ...intro(section),
    chartBlock(drift),
    {
      type: 'table',
      columns: [
        { header: 'Named concept', width: 3 },
        { header: 'Group', width: 1.5 },
        { header: 'This period', align: 'right' },
        { header: 'Previous', width: 1.2, align: 'right' },
        { header: 'Forced in', align: 'right' },
        { header: 'Detected in', width: 1.3, align: 'right' },
      ],
      rows: current.map((c) => [
        name(c.key),
        c.group,
        percent(c.meanShare),
        before.has(c.key) ? percent(before.get(c.key)?.meanShare ?? 0) : '—',
        String(c.forcedIn),
        c.statedIn > 0 ? `${c.detectedIn} of ${c.statedIn}` : '—',
      ]),
      caption: `The ${current.length} named concepts with the largest mean share this period. "Forced in": outputs where the concept was steered. "Detected in": of the outputs that list it unsteered and state its detection, those where the model detected it in what it read (a probability of ${detectionFigure(DETECTED_AT)} or more); a concept with a share but rarely detected moved outputs through its learned effect on tokens, not as something the model found in them. The previous period's figures come from the same log, but its records are not in this package.`,
    },
    { type: 'paragraph', style: 'heading', text: 'By concept group' },
    {
      type: 'table',
      columns: [
        { header: 'Group', width: 3 },
        { header: 'This period', align: 'right' },
        { header: 'Previous', align: 'right' },
      ],
      rows: [...input.figures.groups].map(([group, share]) => [
        group,
        percent(share),
        percent(groupShare(input.previous, group)),
      ]),
    },
  ];
  return { title: section.title, newPage: true, blocks };
}

async function sourcesSection(section: Titled, input: PeriodAuditInput): Promise<ReportSection> {
  const rows = [...input.figures.sources].map(([source, share]) => ({
    source,
    share: clamp(share),
    baseRate: clamp(input.baseRates[source] ?? 0),
  }));
  const chart = await sourceMix(rows, { width: CHART_WIDTH });
  return {
    title: section.title,
    blocks: [
      ...intro(section),
      chartBlock(chart),
      {
        type: 'table',
        columns: [
          { header: 'Source', width: 3 },
          { header: 'Share', align: 'right' },
          { header: 'Base rate', align: 'right' },
          { header: 'Lift', align: 'right' },
        ],
        rows: rows.map((r) => [
          r.source,
          percent(r.share),
          percent(r.baseRate),
          r.baseRate > 0 ? `${(r.share / r.baseRate).toFixed(2)}×` : '—',
        ]),
      },
    ],
  };
}

async function sharesSection(section: Titled, input: PeriodAuditInput): Promise<ReportSection> {
  const f = input.figures;
  const named = await distribution(f.namedShares, {
    label: 'Named share per output',
    width: CHART_WIDTH,
  });
  const residual = await distribution(f.residualShares, {
    label: 'Residual (ε) share per output',
    width: CHART_WIDTH,
  });
  return {
    title: section.title,
    newPage: true,
    blocks: [
      ...intro(section),
      chartBlock(named),
      chartBlock(residual),
      {
        type: 'paragraph',
        style: f.sufficiency.insufficient > f.records / 2 ? 'warning' : 'body',
        text: `${f.sufficiency.meaningful} outputs had a meaningful explanation, ${f.sufficiency.limited} a limited one and ${f.sufficiency.insufficient} too little named share for one.`,
      },
    ],
  };
}

function oversightSection(section: Titled, e: PeriodEntries): ReportSection {
  const ratio = (n: number, d: number) => (d === 0 ? '—' : percent(n / d));
  return {
    title: section.title,
    newPage: true,
    blocks: [
      ...intro(section),
      {
        type: 'keyValues',
        rows: [
          ['Reviews and notes', String(e.reviews.total)],
          ...[...e.reviews.byType].map(([type, n]): [string, string] => [`  ${type}`, String(n)]),
          ...[...e.reviews.byVerdict].map(([verdict, n]): [string, string] => [
            `  verdict ${verdict.replace(/_/g, ' ')}`,
            String(n),
          ]),
          [
            'Flagged outputs reviewed',
            `${e.flagged.reviewed} of ${e.flagged.total} (${ratio(e.flagged.reviewed, e.flagged.total)})`,
          ],
          [
            'Blocked outputs reviewed',
            `${e.blocked.reviewed} of ${e.blocked.total} (${ratio(e.blocked.reviewed, e.blocked.total)})`,
          ],
        ],
      },
    ],
  };
}

function erasuresSection(section: Titled, e: PeriodEntries): ReportSection {
  return {
    title: section.title,
    blocks: [
      ...intro(section),
      e.erasures.total === 0
        ? { type: 'paragraph', text: 'No output was erased in the period.' }
        : {
            type: 'table',
            columns: [
              { header: 'Reason', width: 5 },
              { header: 'Erasures', align: 'right' },
            ],
            rows: topRows(e.erasures.byReason),
          },
    ],
  };
}

function accessSection(section: Titled, e: PeriodEntries): ReportSection {
  const rows = e.access.rows;
  return {
    title: section.title,
    blocks: [
      ...intro(section),
      e.access.total === 0
        ? { type: 'paragraph', text: 'No person read a record, report or package in the period.' }
        : {
            type: 'table',
            columns: [
              { header: 'Reader', width: 4 },
              { header: 'Action', width: 2 },
              { header: 'Of', width: 1 },
              { header: 'Reads', align: 'right' },
              { header: 'Distinct', align: 'right' },
            ],
            rows: rows
              .slice(0, TABLE_ROWS)
              .map((r) => [r.reader, r.action, r.object, String(r.reads), String(r.objects)]),
            caption:
              rows.length > TABLE_ROWS
                ? `The ${TABLE_ROWS} busiest of ${rows.length} reader and action pairs; report.json lists all.`
                : '"Distinct": how many different records or reports the reads were of.',
          },
    ],
  };
}

function regulatorySection(section: Titled, mapping: RegulatoryMapping): ReportSection {
  return {
    title: section.title || mapping.title,
    newPage: true,
    blocks: [
      ...intro(section),
      { type: 'paragraph', text: mapping.intro },
      ...mapping.entries.flatMap((entry): ReportBlock[] => [
        { type: 'paragraph', style: 'heading', text: entry.label },
        {
          type: 'keyValues',
          rows: [
            ['Citation', entry.citation],
            ['Asks', entry.asks],
            ['The service provides', entry.provides],
            ['The deployer', entry.deployerResponsibility],
          ],
        },
      ]),
    ],
  };
}

function topRows(counts: Map<string, number>): string[][] {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rows = sorted.slice(0, TABLE_ROWS).map(([label, n]) => [label, String(n)]);
  const rest = sorted.slice(TABLE_ROWS);
  if (rest.length > 0) {
    rows.push([`${rest.length} others`, String(rest.reduce((sum, [, n]) => sum + n, 0))]);
  }
  return rows;
}

function groupShare(figures: PeriodFigures, group: string): number {
  return figures.groups.get(group) ?? 0;
}

function chartBlock(chart: Chart, caption?: string): ChartBlock {
  return {
    type: 'chart',
    svg: chart.svg,
    width: chart.width,
    height: chart.height,
    alt: chart.alt,
    caption,
  };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
