import { Injectable } from '@nestjs/common';
import { UserPrincipal } from 'src/access/principal';
import { ApplicationsService } from 'src/applications/applications.service';
import { encodeCursor } from 'src/common/keyset-cursor';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { SearchRecordsDto } from 'src/records/records.dto';
import { RecordsService } from 'src/records/records.service';
import { dayStart, FieldProblems, readForm } from 'src/portal/portal-forms';
import { ModelReferences } from 'src/reports/sources/model-references';

/** Rows a page of the explorer lists. */
export const PAGE_SIZE = 50;
/** Rows a CSV export holds at most; a period audit report covers more. */
export const MAX_EXPORT_ROWS = 10_000;

/** The explorer's filters as the form holds them (strings, days, a share in percent). */
export interface ExplorerFilters {
  from: string;
  to: string;
  applicationId: string;
  concept: string;
  minPercent: string;
  /** 'true', 'false' or '': the named concept detected, stated not detected, or either. */
  detected: string;
  policyOutcome: string;
  caseId: string;
  reviewState: string;
  order: string;
}

const FILTER_NAMES: (keyof ExplorerFilters)[] = [
  'from',
  'to',
  'applicationId',
  'concept',
  'minPercent',
  'detected',
  'policyOutcome',
  'caseId',
  'reviewState',
  'order',
];

export interface ExplorerRow {
  id: string;
  logIndex: number;
  time: string;
  application: string;
  purpose: string;
  caseId: string;
  provenance: string;
  policyOutcome: string;
}

/**
 * The generations explorer: the form's filters read into the API's search (so the page and
 * `GET /v1/records` refuse and find the same things), one keyset page, logged as a search.
 */
@Injectable()
export class ExplorerService {
  constructor(
    private readonly records: RecordsService,
    private readonly applications: ApplicationsService,
    private readonly runtime: ModelRuntime,
    private readonly references: ModelReferences,
  ) {}

  filtersOf(raw: Record<string, unknown>): ExplorerFilters {
    const text = (name: string) => (typeof raw[name] === 'string' ? raw[name].trim() : '');
    return Object.fromEntries(FILTER_NAMES.map((n) => [n, text(n)])) as unknown as ExplorerFilters;
  }

  /** The query string of a set of filters (empty ones left out), for links and saved filters. */
  queryOf(filters: ExplorerFilters, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams();
    for (const name of FILTER_NAMES) if (filters[name] !== '') params.set(name, filters[name]);
    for (const [k, v] of Object.entries(extra)) params.set(k, v);
    const query = params.toString();
    return query === '' ? '' : `?${query}`;
  }

  /** The search the filters ask for, or the problems with them (field names as on the form). */
  searchOf(
    filters: ExplorerFilters,
    cursor?: string,
  ): { query: SearchRecordsDto | null; problems: FieldProblems } {
    const problems: FieldProblems = [];
    const day = (name: 'from' | 'to') => {
      if (filters[name] === '') return undefined;
      const start = dayStart(filters[name], name === 'to' ? 1 : 0);
      if (start === undefined)
        problems.push({ field: name, problems: ['must be a day, YYYY-MM-DD'] });
      return start;
    };
    let minShare: string | undefined;
    if (filters.minPercent !== '') {
      const percent = Number(filters.minPercent);
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        problems.push({ field: 'minPercent', problems: ['must be a percentage from 0 to 100'] });
      } else {
        minShare = String(percent / 100);
      }
      if (filters.concept === '') {
        problems.push({
          field: 'minPercent',
          problems: ['needs a concept: the share of which concept'],
        });
      }
    }
    if (filters.detected !== '' && filters.concept === '') {
      problems.push({
        field: 'detected',
        problems: ['needs a concept: the detection of which concept'],
      });
    }
    const { value, problems: more } = readForm(SearchRecordsDto, {
      from: day('from'),
      to: day('to'),
      applicationId: filters.applicationId,
      concept: filters.concept,
      minShare,
      detected: filters.detected,
      policyOutcome: filters.policyOutcome,
      caseId: filters.caseId,
      reviewState: filters.reviewState,
      order: filters.order,
      cursor,
      limit: String(PAGE_SIZE),
    });
    problems.push(...more);
    return { query: problems.length === 0 ? value : null, problems };
  }

  /** One page: rows with application names; the search is logged by the records service. */
  async page(principal: UserPrincipal, query: SearchRecordsDto) {
    const [result, names] = await Promise.all([
      this.records.search(principal, query),
      this.applicationNames(principal.tenantId),
    ]);
    return {
      rows: result.records.map((r) => this.row(r, names)),
      nextCursor: result.nextCursor,
    };
  }

  /** Every row of the filters (up to MAX_EXPORT_ROWS), logged once as an export. */
  async exportRows(
    principal: UserPrincipal,
    query: SearchRecordsDto,
  ): Promise<{ rows: ExplorerRow[]; truncated: boolean }> {
    const names = await this.applicationNames(principal.tenantId);
    const rows: ExplorerRow[] = [];
    let cursor: string | undefined;
    let truncated = false;
    for (;;) {
      const limit = Math.min(200, MAX_EXPORT_ROWS - rows.length);
      const found = await this.records.searchRows(principal, { ...query, cursor }, limit + 1);
      const page = found.slice(0, limit);
      rows.push(
        ...page.map((r) =>
          this.row(
            { ...r, createdAt: r.createdAt.toISOString(), purpose: r.purpose, caseId: r.caseId },
            names,
          ),
        ),
      );
      if (found.length <= limit) break;
      if (rows.length >= MAX_EXPORT_ROWS) {
        truncated = true;
        break;
      }
      const last = page[page.length - 1];
      cursor = encodeCursor(last.createdAt, last.id);
    }
    await this.records.logSearch(
      principal,
      { ...query, cursor: undefined, limit: undefined },
      rows.map((r) => r.id),
      'export',
    );
    return { rows, truncated };
  }

  async applicationNames(tenantId: string): Promise<Map<string, string>> {
    const apps = await this.applications.listApplications(tenantId);
    return new Map(apps.map((a) => [a.id, a.name]));
  }

  /** The named concepts of the model this service runs, for the concept filter's suggestions. */
  concepts(): { key: string; name: string }[] {
    const reference = this.references.get(this.runtime.identity);
    return Object.entries(reference.concepts)
      .map(([key, c]) => ({ key, name: c.name }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }

  private row(
    r: {
      id: string;
      logIndex: number;
      applicationId: string;
      createdAt: string;
      purpose: string | null;
      caseId: string | null;
      provenance: string;
      policyOutcome: string;
    },
    names: Map<string, string>,
  ): ExplorerRow {
    return {
      id: r.id,
      logIndex: r.logIndex,
      time: r.createdAt,
      application: names.get(r.applicationId) ?? r.applicationId,
      purpose: r.purpose ?? '',
      caseId: r.caseId ?? '',
      provenance: r.provenance,
      policyOutcome: r.policyOutcome,
    };
  }
}
