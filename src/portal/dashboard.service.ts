import { Injectable } from '@nestjs/common';
import { Chart } from 'src/charts/chart';
import { conceptDrift, volumeOverTime, VolumePoint } from 'src/charts/period-charts';
import { distribution, sourceMix } from 'src/charts/record-charts';
import { DETECTED_AT } from 'src/evidence-format/attribution';
import { RecordBody } from 'src/evidence-format/record-body';
import { aggregateSources, shareSummary } from 'src/reports/explanation/aggregate';
import { TenantDatabase } from 'src/database/tenant-database';
import { LogService } from 'src/log/log.service';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { ModelReferences } from 'src/reports/sources/model-references';

/** Days the volume chart covers. */
const VOLUME_DAYS = 30;
/** The drift compares this many days with the same number before them. */
const DRIFT_DAYS = 7;
/** Latest records per drift window whose concept shares are read (a sample on busy tenants). */
const DRIFT_SAMPLE = 2_000;
const TOP_CONCEPTS = 8;
/** Latest records whose signed bodies the attribution charts read. */
const BODY_SAMPLE = 500;
const DAY = 86_400_000;

interface Counts {
  total: number;
  flagged: number;
  blocked: number;
  unreviewed: number;
}

/**
 * The dashboard's figures, from PostgreSQL aggregates over the records table (indexed by tenant
 * and time): the last 30 days by day and outcome, the flagged and blocked outputs nobody has
 * reviewed, the named concepts of the last week against the week before (mean of each record's
 * strongest share, from the latest records of each week), and the log's state.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly db: TenantDatabase,
    private readonly log: LogService,
    private readonly runtime: ModelRuntime,
    private readonly references: ModelReferences,
  ) {}

  async view(tenantId: string, now = new Date()) {
    const today = Math.floor(now.getTime() / DAY) * DAY;
    const since = new Date(today - (VOLUME_DAYS - 1) * DAY);
    const [volume, counts, current, previous, checkpoint, bodies] = await Promise.all([
      this.volume(tenantId, since),
      this.counts(tenantId, since),
      this.conceptMeans(tenantId, new Date(today + DAY - DRIFT_DAYS * DAY), new Date(today + DAY)),
      this.conceptMeans(
        tenantId,
        new Date(today + DAY - 2 * DRIFT_DAYS * DAY),
        new Date(today + DAY - DRIFT_DAYS * DAY),
      ),
      this.log.latestCheckpoint(tenantId),
      this.latestBodies(tenantId),
    ]);
    const names = this.references.get(this.runtime.identity).concepts;
    const top = [...current.means]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_CONCEPTS)
      .map(([key, share]) => ({
        concept: names[key]?.name ?? key,
        key,
        current: share,
        previous: previous.means.get(key) ?? 0,
        // Of this window's records that list the concept and state its detection, the detected.
        detection: current.detection.get(key) ?? { stated: 0, detected: 0 },
      }));
    const points: VolumePoint[] = volume.length
      ? volume
      : [{ period: since.toISOString().slice(0, 10), outcome: 'pass', count: 0 }];
    const attribution = await this.attributionCharts(bodies);
    const charts: { volume: Chart; drift: Chart | null } = {
      volume: await volumeOverTime(points, { unit: 'day', width: 720 }),
      drift: top.length
        ? await conceptDrift(
            top.map((t) => ({ concept: t.concept, current: t.current, previous: t.previous })),
            { width: 720, measure: "Mean of a record's strongest share" },
          )
        : null,
    };
    return {
      days: VOLUME_DAYS,
      driftDays: DRIFT_DAYS,
      counts,
      top,
      sampled: current.sampled || previous.sampled,
      charts,
      attribution,
      log: { size: checkpoint.size, checkpoint: checkpoint.checkpoint, time: checkpoint.createdAt },
    };
  }

  /**
   * From the latest records' signed bodies: the training-source mix against the base rates, and
   * the spread of the named share and of the residual ε per record (length-weighted over chunks).
   */
  private async attributionCharts(bodies: RecordBody[]) {
    if (bodies.length === 0) return null;
    const summaries = bodies.map((b) => shareSummary(b));
    const totals = new Map<string, number>();
    for (const body of bodies) {
      for (const s of aggregateSources(body))
        totals.set(s.source, (totals.get(s.source) ?? 0) + s.share);
    }
    const baseRates = this.references.get(this.runtime.identity).baseRates;
    const sources = [...totals]
      .map(([source, total]) => ({
        source,
        share: Math.min(1, total / bodies.length),
        baseRate: Math.min(1, baseRates[source] ?? 0),
      }))
      .sort((a, b) => b.share - a.share || (a.source < b.source ? -1 : 1));
    return {
      sampled: bodies.length,
      sources: await sourceMix(sources, { width: 720 }),
      named: await distribution(
        summaries.map((s) => Math.min(1, Math.max(0, s.named))),
        { width: 560, label: 'Named share of the logit, per record' },
      ),
      residual: await distribution(
        summaries.map((s) => Math.min(1, Math.max(0, s.residual))),
        { width: 560, label: 'Residual ε share of the logit, per record' },
      ),
    };
  }

  /** The signed bodies of the tenant's latest records (records of the running model only). */
  private async latestBodies(tenantId: string): Promise<RecordBody[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ body: string }[]>(
        `SELECT e.body FROM (SELECT id FROM records WHERE tenant_id = $1
                              ORDER BY created_at DESC, id DESC LIMIT $2) r
           JOIN log_entries e ON e.id = r.id`,
        [tenantId, BODY_SAMPLE],
      ),
    );
    const { name, version } = this.runtime.identity;
    return rows
      .map((r) => JSON.parse(r.body) as RecordBody)
      .filter((b) => b.model?.name === name && b.model?.version === version);
  }

  private async volume(tenantId: string, since: Date): Promise<VolumePoint[]> {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ day: string; outcome: 'pass' | 'flag' | 'block'; n: string }[]>(
        `SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
                policy_outcome AS outcome, count(*) AS n
           FROM records WHERE tenant_id = $1 AND created_at >= $2
          GROUP BY 1, 2 ORDER BY 1`,
        [tenantId, since],
      ),
    );
    return rows.map((r) => ({ period: r.day, outcome: r.outcome, count: Number(r.n) }));
  }

  private async counts(tenantId: string, since: Date): Promise<Counts> {
    const [row] = await this.db.run(tenantId, (m) =>
      m.query<{ total: string; flagged: string; blocked: string; unreviewed: string }[]>(
        `SELECT count(*) AS total,
                count(*) FILTER (WHERE policy_outcome = 'flag') AS flagged,
                count(*) FILTER (WHERE policy_outcome = 'block') AS blocked,
                count(*) FILTER (WHERE policy_outcome <> 'pass' AND NOT EXISTS (
                  SELECT 1 FROM log_entries e WHERE e.tenant_id = records.tenant_id
                     AND e.subject_id = records.id AND e.kind = 'review')) AS unreviewed
           FROM records WHERE tenant_id = $1 AND created_at >= $2`,
        [tenantId, since],
      ),
    );
    return {
      total: Number(row?.total ?? 0),
      flagged: Number(row?.flagged ?? 0),
      blocked: Number(row?.blocked ?? 0),
      unreviewed: Number(row?.unreviewed ?? 0),
    };
  }

  /**
   * Mean over the window's latest records of each named concept's share (0 where absent), and
   * of the records that list it, how many state its detection and how many detected it.
   */
  private async conceptMeans(tenantId: string, from: Date, to: Date) {
    const rows = await this.db.run(tenantId, (m) =>
      m.query<{ key: string; total: number; n: string; stated: string; detected: string }[]>(
        `WITH latest AS (
           SELECT concept_shares, concept_detections FROM records
            WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
            ORDER BY created_at DESC LIMIT $4)
         SELECT s.key, sum(s.value::float8) AS total, (SELECT count(*) FROM latest) AS n,
                count(*) FILTER (WHERE latest.concept_detections ? s.key) AS stated,
                count(*) FILTER (WHERE (latest.concept_detections ->> s.key)::float8 >= $5)
                  AS detected
           FROM latest, jsonb_each_text(latest.concept_shares) AS s
          GROUP BY s.key`,
        [tenantId, from, to, DRIFT_SAMPLE, DETECTED_AT],
      ),
    );
    const n = Number(rows[0]?.n ?? 0);
    return {
      means: new Map(rows.map((r) => [r.key, n > 0 ? Number(r.total) / n : 0])),
      detection: new Map(
        rows.map((r) => [r.key, { stated: Number(r.stated), detected: Number(r.detected) }]),
      ),
      sampled: n >= DRIFT_SAMPLE,
    };
  }
}
