import { ReportKind, ReportScope } from 'src/evidence-format/evidence-package';
import { ReportBlock, ReportSection } from 'src/reports/document/report-document';
import { LayoutSection, ReportLayout } from 'src/reports/kinds/report-layout';

/** What every report states about itself: the request, the checkpoint it reads, the keys. */
export interface ReportContext {
  id: string;
  kind: ReportKind;
  scope: ReportScope;
  requestedAt: Date;
  /** Who asked: their id and role, and their e-mail when they are a person of the tenant. */
  requestedBy: { userId: string; role: string; name?: string };
  tenantId: string;
  origin: string;
  checkpoint: { size: number; root: string; note: string };
  keys: { kid: string; validFrom: string; validUntil: string | null }[];
  generator: { name: string; version: string };
  /** The earlier report whose checkpoint this one is proven consistent with, if any. */
  previous: { id: string; size: number } | null;
}

/** Width of charts in the PDF: the A4 text column at the renderer's scale. */
export const CHART_WIDTH = 480;

export function scopeDescription(kind: ReportKind, scope: ReportScope): string {
  switch (kind) {
    case 'decision-evidence':
      return `record ${scope.recordId}`;
    case 'case-file':
      return scope.caseId !== undefined
        ? `case id ${scope.caseId}`
        : `subject reference ${scope.subjectRef}`;
    case 'period-audit':
      return `${scope.applicationIds?.length ? `applications ${scope.applicationIds.join(', ')}` : 'all applications'}, from ${scope.from} to ${scope.to} (end exclusive)`;
  }
}

/** The opening section: what the report covers and where its evidence is. */
export function summarySection(
  layout: ReportLayout,
  context: ReportContext,
  extraRows: [string, string][],
  extraBlocks: ReportBlock[] = [],
): ReportSection {
  const section = layout.sections.summary;
  return {
    title: section.title,
    blocks: [
      ...intro(section),
      {
        type: 'keyValues',
        rows: [
          ['Report', `${context.id} (${context.kind})`],
          ['Covers', scopeDescription(context.kind, context.scope)],
          [
            'Requested',
            `${context.requestedAt.toISOString()} by ${context.requestedBy.name ?? context.requestedBy.userId} (${context.requestedBy.role})`,
          ],
          ['Tenant', context.tenantId],
          ['Log', context.origin],
          ['Checkpoint', `size ${context.checkpoint.size}, root ${context.checkpoint.root}`],
          ...extraRows,
          ['Built by', `${context.generator.name} ${context.generator.version}`],
        ],
      },
      ...extraBlocks,
    ],
  };
}

/** The checkpoint, the keys and what the build itself verified. */
export function verificationSection(
  layout: ReportLayout,
  context: ReportContext,
  verified: { records: number; signatures: number; inclusions: number },
): ReportSection {
  const section = layout.sections.verification;
  const all = verified.signatures === verified.records && verified.inclusions === verified.records;
  const blocks: ReportBlock[] = [
    ...intro(section),
    {
      type: 'paragraph',
      style: all ? 'body' : 'warning',
      text: `${verified.signatures} of ${verified.records} record signatures and ${verified.inclusions} of ${verified.records} inclusion proofs verified against the checkpoint of size ${context.checkpoint.size}.`,
    },
    { type: 'paragraph', style: 'heading', text: 'Signed checkpoint (C2SP tlog-checkpoint)' },
    { type: 'mono', text: context.checkpoint.note.trimEnd() },
    {
      type: 'table',
      // Two columns, so that neither a thumbprint nor a time is broken across lines.
      columns: [
        { header: 'Signing key (RFC 7638 thumbprint)', width: 5 },
        { header: 'In service', width: 3 },
      ],
      rows: context.keys.map((k) => [
        k.kid,
        `from ${k.validFrom}\nuntil ${k.validUntil ?? 'no end set'}`,
      ]),
      caption:
        'Compare these thumbprints with the key set the service publishes at /.well-known/jwks.json before trusting the package.',
    },
  ];
  if (context.previous) {
    blocks.push({
      type: 'paragraph',
      text: `The evidence package also proves that this log extends the one of report ${context.previous.id} (checkpoint size ${context.previous.size}): no entry it covered was changed or removed.`,
    });
  }
  return { title: section.title, newPage: true, blocks };
}

export function methodSection(layout: ReportLayout): ReportSection {
  const section = layout.sections.method;
  return { title: section.title, blocks: intro(section) };
}

export function intro(section: LayoutSection): ReportBlock[] {
  return section.intro.trim() === '' ? [] : [{ type: 'paragraph', text: section.intro }];
}

export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : plural}`;
}
