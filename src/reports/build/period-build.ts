import { LogEntryKind, SignedEntry } from 'src/evidence-format/entry';
import { RecordBody } from 'src/evidence-format/record-body';
import { LogService } from 'src/log/log.service';
import { RecordScope } from 'src/records/records.repository';
import { RecordsService, ScannedRecord } from 'src/records/records.service';
import { packed } from 'src/reports/build/jsonl-file';
import type { BuildProgress, Prover } from 'src/reports/build/report-builder';
import { ReportSection } from 'src/reports/document/report-document';
import { loadRegulatoryMapping } from 'src/reports/explanation/regulatory-mapping';
import { DecisionCard } from 'src/reports/kinds/decision-card';
import {
  bucketUnitFor,
  PeriodAggregate,
  PeriodFigures,
  SAMPLE_SIZE,
} from 'src/reports/kinds/period-aggregate';
import { AccessRow, PeriodEntries, periodAuditSections } from 'src/reports/kinds/period-audit';
import { compare } from 'src/reports/explanation/aggregate';
import { ReportContext } from 'src/reports/kinds/report-context';
import { ReportLayout } from 'src/reports/kinds/report-layout';
import { ReportRow } from 'src/reports/reports.repository';
import { ModelReference } from 'src/reports/sources/model-references';

/**
 * Records per page: a record's signed body is tens of kilobytes of JSON (more parsed), so a page
 * of 250 keeps the worker's memory flat and low, and still amortises each query.
 */
const PAGE = 250;
const PEOPLE_KINDS: LogEntryKind[] = ['review', 'erasure', 'access'];

type CardOf = (input: { record: ScannedRecord; related: SignedEntry[] }) => Promise<DecisionCard>;

/**
 * A period audit: one pass over the period's records (each proven and written to the package,
 * its figures added up), one over the previous period of equal length (figures only, for
 * drift), one over the period's review, erasure and read entries (each proven and packed), then
 * the sampled records read again with their text for their decision cards.
 */
export class PeriodBuild {
  constructor(
    private readonly records: RecordsService,
    private readonly log: LogService,
    private readonly tenantId: string,
    private readonly report: ReportRow,
    private readonly modelOf: (body: RecordBody) => ModelReference,
    private readonly prover: Prover,
    /** User id → e-mail, to name readers. */
    private readonly people: ReadonlyMap<string, string>,
  ) {}

  async build(
    layout: ReportLayout,
    context: ReportContext,
    progress: BuildProgress,
    cardOf: CardOf,
  ): Promise<{ sections: ReportSection[]; figures: Record<string, unknown> }> {
    const { scope } = this.report;
    const from = new Date(scope.from as string);
    const to = new Date(scope.to as string);
    const previousFrom = new Date(2 * from.getTime() - to.getTime());
    const unit = bucketUnitFor(from, to);
    const apps = scope.applicationIds?.length ? scope.applicationIds : undefined;
    let groups: Record<string, string> = {};
    const groupOf = (key: string) => groups[key] ?? key.split('.')[0];
    const current = new PeriodAggregate({ from, unit, reportId: this.report.id, groupOf });
    const previous = new PeriodAggregate({
      from: previousFrom,
      unit,
      reportId: this.report.id,
      groupOf,
    });
    const flagged = new Set<string>();
    const blocked = new Set<string>();
    let concepts: ModelReference['concepts'] = {};
    let baseRates: ModelReference['baseRates'] = {};

    const models = new Set<ModelReference>();
    let read = 0;
    for await (const page of this.scan({ applicationIds: apps, from, to }, false)) {
      await this.prover.addRecords(page);
      for (const record of page) {
        const body = record.entry.body as unknown as RecordBody;
        const model = this.modelOf(body);
        // Each model version's dictionary is merged once (a period rarely spans more than one).
        if (!models.has(model)) {
          models.add(model);
          concepts = { ...concepts, ...model.concepts };
          baseRates = model.baseRates;
          groups = Object.fromEntries(Object.entries(concepts).map(([k, c]) => [k, c.group]));
        }
        current.add(body);
        if (body.policy.outcome === 'flag') flagged.add(body.id);
        if (body.policy.outcome === 'block') blocked.add(body.id);
      }
      read += page.length;
      await progress(Math.min(60, 2 + read / 2_000), `${read} records of the period read`);
    }
    for await (const page of this.scan(
      { applicationIds: apps, from: previousFrom, to: from },
      false,
    )) {
      for (const record of page) previous.add(record.entry.body as unknown as RecordBody);
    }
    await progress(65, 'reading reviews, erasures and reads');
    const entries = await this.periodEntries(from, to, flagged, blocked);

    await progress(70, `drawing ${SAMPLE_SIZE} decision cards`);
    const figures = current.figures();
    const sample: DecisionCard[] = [];
    for (const id of figures.sample) {
      for await (const page of this.scan({ recordId: id }, true)) {
        const related = await this.prover.relatedEntries(page.map((r) => r.row.id));
        for (const record of page) {
          sample.push(await cardOf({ record, related: related.get(record.row.id) ?? [] }));
        }
      }
    }
    await progress(78, 'drawing the charts');
    const verified = {
      records: this.prover.records.length,
      signatures: this.prover.records.filter((r) => this.prover.verified(r.id).signature).length,
      inclusions: this.prover.records.filter((r) => this.prover.verified(r.id).inclusion).length,
    };
    const sections = await periodAuditSections(layout, context, {
      from,
      to,
      unit,
      figures,
      previous: previous.figures(),
      previousFrom,
      concepts,
      baseRates,
      entries,
      sample,
      mapping: loadRegulatoryMapping(),
      verified,
    });
    return { sections, figures: figuresJson(figures, previous.figures(), entries) };
  }

  private readerName(by: EntryBody['by']): string {
    if (by?.applicationId) return `application ${by.applicationId}`;
    const email = by?.userId ? this.people.get(by.userId) : undefined;
    return `${email ?? by?.userId ?? 'unknown'} (${by?.role ?? 'unknown role'})`;
  }

  private scan(scope: RecordScope, withText: boolean): AsyncGenerator<ScannedRecord[]> {
    return this.records.scan(this.tenantId, scope, {
      before: this.report.checkpointSize,
      withText,
      pageSize: PAGE,
    });
  }

  private async periodEntries(
    from: Date,
    to: Date,
    flagged: ReadonlySet<string>,
    blocked: ReadonlySet<string>,
  ): Promise<PeriodEntries> {
    const tally: PeriodEntries = {
      reviews: { total: 0, byType: new Map(), byVerdict: new Map() },
      flagged: { total: flagged.size, reviewed: 0 },
      blocked: { total: blocked.size, reviewed: 0 },
      erasures: { total: 0, byReason: new Map() },
      access: { total: 0, rows: [] },
    };
    const access = new Map<string, { row: AccessRow; objects: Set<string> }>();
    const reviewed = new Set<string>();
    for (let after = -1; ;) {
      const page = await this.log.entriesOfKindsBetween(this.tenantId, {
        kinds: PEOPLE_KINDS,
        from,
        to,
        before: this.report.checkpointSize,
        after,
        limit: PAGE,
      });
      if (page.length === 0) break;
      await this.prover.addEntries(page.map(packed));
      for (const logEntry of page) {
        const body = JSON.parse(logEntry.canonical) as EntryBody;
        if (logEntry.kind === 'review') {
          tally.reviews.total += 1;
          bump(tally.reviews.byType, body.type ?? 'review');
          if (body.verdict) bump(tally.reviews.byVerdict, body.verdict);
          if (logEntry.subjectId) reviewed.add(logEntry.subjectId);
        } else if (logEntry.kind === 'erasure') {
          tally.erasures.total += 1;
          bump(tally.erasures.byReason, body.reason ?? '(no reason given)');
        } else if (body.action !== 'report-build') {
          tally.access.total += 1;
          const object = body.record ? 'record' : body.report ? 'report' : 'other';
          const reader = this.readerName(body.by);
          const action = (body.action ?? 'read').replace(/^report-/, '');
          const key = JSON.stringify([reader, action, object]);
          const tallied = access.get(key) ?? {
            row: { reader, action, object, reads: 0, objects: 0 },
            objects: new Set<string>(),
          };
          tallied.row.reads += 1;
          tallied.objects.add(logEntry.subjectId ?? '');
          access.set(key, tallied);
        }
      }
      after = page[page.length - 1].logIndex;
      if (page.length < PAGE) break;
    }
    tally.access.rows = [...access.values()]
      .map(({ row, objects }) => ({ ...row, objects: objects.size }))
      .sort(
        (a, b) => b.reads - a.reads || compare(a.reader, b.reader) || compare(a.action, b.action),
      );
    for (const id of reviewed) {
      if (flagged.has(id)) tally.flagged.reviewed += 1;
      if (blocked.has(id)) tally.blocked.reviewed += 1;
    }
    return tally;
  }
}

interface EntryBody {
  type?: string;
  verdict?: string | null;
  reason?: string;
  action?: string;
  record?: unknown;
  report?: unknown;
  by?: { userId?: string; role?: string; applicationId?: string };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** The figures of report.json: what the PDF's charts and tables were drawn from. */
function figuresJson(
  f: PeriodFigures,
  previous: PeriodFigures,
  entries: PeriodEntries,
): Record<string, unknown> {
  const obj = <V>(map: Map<string | number, V>) =>
    Object.fromEntries([...map].map(([k, v]) => [String(k), v]));
  return {
    records: f.records,
    outcomes: f.outcomes,
    volume: Object.fromEntries(
      [...f.volume].sort((a, b) => a[0] - b[0]).map(([t, c]) => [new Date(t).toISOString(), c]),
    ),
    byApplication: obj(f.byApplication),
    concepts: f.concepts.map((c) => ({ ...c, meanShare: round(c.meanShare) })),
    previousConcepts: previous.concepts.map((c) => ({ key: c.key, meanShare: round(c.meanShare) })),
    previousRecords: previous.records,
    sources: Object.fromEntries([...f.sources].map(([s, v]) => [s, round(v)])),
    sufficiency: f.sufficiency,
    steered: f.steered,
    solelyAutomated: f.solelyAutomated,
    submitted: f.submitted,
    reviews: {
      total: entries.reviews.total,
      byType: obj(entries.reviews.byType),
      byVerdict: obj(entries.reviews.byVerdict),
      flagged: entries.flagged,
      blocked: entries.blocked,
    },
    erasures: { total: entries.erasures.total, byReason: obj(entries.erasures.byReason) },
    access: entries.access,
    sample: f.sample,
  };
}

/** Twelve significant decimals: the same figures in any build, without float noise in the JSON. */
function round(value: number): number {
  return Number(value.toFixed(12));
}
