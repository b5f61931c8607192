import { createHash } from 'node:crypto';
import { BucketUnit, nextBucket } from 'src/charts/time-buckets';
import { RecordBody } from 'src/evidence-format/record-body';
import { undetected } from 'src/evidence-format/attribution';
import {
  aggregateNamedConcepts,
  aggregateSources,
  compare,
  shareSummary,
} from 'src/reports/explanation/aggregate';
import { sufficiencyOf } from 'src/reports/explanation/attribution-sentences';
import { Sufficiency } from 'src/reports/explanation/explanation.types';

/** Decision cards a period audit samples. */
export const SAMPLE_SIZE = 6;

/** The bucket unit for a period: about 12 to 400 buckets for any length. */
export function bucketUnitFor(from: Date, to: Date): BucketUnit {
  const days = (to.getTime() - from.getTime()) / 86_400_000;
  if (days <= 3) return 'hour';
  if (days <= 120) return 'day';
  if (days <= 3 * 365) return 'week';
  return 'month';
}

/** The start of the bucket holding `time`: hours, days and weeks on the grid from `from`. */
export function bucketOf(time: number, from: number, unit: BucketUnit): number {
  if (unit === 'month') {
    const d = new Date(time);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const size = unit === 'hour' ? 3_600_000 : unit === 'day' ? 86_400_000 : 7 * 86_400_000;
  // Days and hours on UTC boundaries; weeks counted from the period's first day.
  const origin = unit === 'week' ? from - (from % 86_400_000) : 0;
  return origin + Math.floor((time - origin) / size) * size;
}

/** The key that orders records for the sample: reproducible from the report id and record id. */
export function sampleKey(reportId: string, recordId: string): string {
  return createHash('sha256').update(`${reportId}\n${recordId}`).digest('hex');
}

export interface ConceptUsage {
  key: string;
  group: string;
  /** Mean over the period's records of the concept's length-weighted share (0 where absent). */
  meanShare: number;
  /** Records where the concept was steered (their shares are left out of the mean). */
  forcedIn: number;
  /**
   * Records that list it unsteered and state its detection (concept method version 3), and of
   * those, the records where it was detected in the text.
   */
  statedIn: number;
  detectedIn: number;
}

export interface PeriodFigures {
  records: number;
  outcomes: Record<'pass' | 'flag' | 'block', number>;
  /** Bucket start (ms) → outcome counts. */
  volume: Map<number, Record<'pass' | 'flag' | 'block', number>>;
  /** Application name → outcome counts. */
  byApplication: Map<string, Record<'pass' | 'flag' | 'block', number>>;
  concepts: ConceptUsage[];
  /** Group → mean share of its named concepts per record. */
  groups: Map<string, number>;
  /** Source → mean share per record. */
  sources: Map<string, number>;
  namedShares: number[];
  residualShares: number[];
  sufficiency: Record<Sufficiency, number>;
  steered: number;
  solelyAutomated: number;
  submitted: number;
  /** The sampled records' ids, in sample order (smallest key first). */
  sample: string[];
}

/**
 * The period audit's figures, added up one record at a time so that memory stays flat over any
 * number of records (but for two numbers a record for the distributions and a sample of six).
 */
export class PeriodAggregate {
  private records = 0;
  private readonly outcomes = { pass: 0, flag: 0, block: 0 };
  private readonly volume = new Map<number, Record<'pass' | 'flag' | 'block', number>>();
  private readonly byApplication = new Map<string, Record<'pass' | 'flag' | 'block', number>>();
  private readonly conceptSums = new Map<
    string,
    { sum: number; forcedIn: number; statedIn: number; detectedIn: number }
  >();
  private readonly sourceSums = new Map<string, number>();
  private readonly namedShares: number[] = [];
  private readonly residualShares: number[] = [];
  private readonly sufficiency: Record<Sufficiency, number> = {
    meaningful: 0,
    limited: 0,
    insufficient: 0,
  };
  private steered = 0;
  private solelyAutomated = 0;
  private submitted = 0;
  private sample: { key: string; id: string }[] = [];

  constructor(
    private readonly options: {
      from: Date;
      unit: BucketUnit;
      reportId: string;
      /** Concept key → group, from the model's dictionary. */
      groupOf: (key: string) => string;
    },
  ) {}

  add(body: RecordBody): void {
    this.records += 1;
    const outcome = body.policy.outcome;
    this.outcomes[outcome] += 1;
    const bucket = bucketOf(Date.parse(body.time), this.options.from.getTime(), this.options.unit);
    countInto(this.volume, bucket, outcome);
    countInto(this.byApplication, body.application.name, outcome);
    const forced = new Set(body.steering.map((s) => s.concept));
    if (forced.size > 0) this.steered += 1;
    for (const concept of aggregateNamedConcepts(body)) {
      const entry = this.conceptSums.get(concept.key) ?? {
        sum: 0,
        forcedIn: 0,
        statedIn: 0,
        detectedIn: 0,
      };
      if (forced.has(concept.key)) {
        entry.forcedIn += 1;
      } else {
        entry.sum += concept.share;
        if (concept.detection !== undefined) {
          entry.statedIn += 1;
          if (!undetected(concept)) entry.detectedIn += 1;
        }
      }
      this.conceptSums.set(concept.key, entry);
    }
    for (const source of aggregateSources(body)) {
      this.sourceSums.set(source.source, (this.sourceSums.get(source.source) ?? 0) + source.share);
    }
    const shares = shareSummary(body);
    this.namedShares.push(clamp(shares.named));
    this.residualShares.push(clamp(shares.residual));
    this.sufficiency[sufficiencyOf(shares.named)] += 1;
    if (body.request.solelyAutomatedDecision) this.solelyAutomated += 1;
    if (body.provenance === 'submitted') this.submitted += 1;
    this.offerSample(body.id);
  }

  private offerSample(id: string): void {
    const key = sampleKey(this.options.reportId, id);
    if (this.sample.length === SAMPLE_SIZE && key >= this.sample[SAMPLE_SIZE - 1].key) return;
    this.sample.push({ key, id });
    this.sample.sort((a, b) => compare(a.key, b.key));
    if (this.sample.length > SAMPLE_SIZE) this.sample.pop();
  }

  figures(): PeriodFigures {
    const n = Math.max(1, this.records);
    const concepts = [...this.conceptSums]
      .map(([key, { sum, ...counts }]) => ({
        key,
        group: this.options.groupOf(key),
        meanShare: sum / n,
        ...counts,
      }))
      .sort((a, b) => b.meanShare - a.meanShare || compare(a.key, b.key));
    const groups = new Map<string, number>();
    for (const c of concepts) groups.set(c.group, (groups.get(c.group) ?? 0) + c.meanShare);
    const sources = new Map(
      [...this.sourceSums]
        .map(([source, sum]) => [source, sum / n] as const)
        .sort((a, b) => b[1] - a[1] || compare(a[0], b[0])),
    );
    return {
      records: this.records,
      outcomes: { ...this.outcomes },
      volume: this.volume,
      byApplication: this.byApplication,
      concepts,
      groups: new Map([...groups].sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))),
      sources,
      namedShares: this.namedShares,
      residualShares: this.residualShares,
      sufficiency: { ...this.sufficiency },
      steered: this.steered,
      solelyAutomated: this.solelyAutomated,
      submitted: this.submitted,
      sample: this.sample.map((s) => s.id),
    };
  }
}

/** Every bucket start from the period's first to its last (for a chart without gaps at the ends). */
export function periodBuckets(from: Date, to: Date, unit: BucketUnit): number[] {
  const first = bucketOf(from.getTime(), from.getTime(), unit);
  const last = bucketOf(to.getTime() - 1, from.getTime(), unit);
  const buckets: number[] = [];
  for (let b = first; b <= last; b = nextBucket(b, unit)) buckets.push(b);
  return buckets;
}

function countInto<K>(
  map: Map<K, Record<'pass' | 'flag' | 'block', number>>,
  key: K,
  outcome: 'pass' | 'flag' | 'block',
): void {
  const counts = map.get(key) ?? { pass: 0, flag: 0, block: 0 };
  counts[outcome] += 1;
  map.set(key, counts);
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
