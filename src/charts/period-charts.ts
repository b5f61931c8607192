import { TopLevelSpec } from 'vega-lite';
import {
  BAR_STEP,
  Chart,
  ChartOptions,
  FONT_SIZE,
  OUTCOMES,
  OUTCOME_COLOURS,
  OUTCOME_LABELS,
  Outcome,
  legendColumns,
  noDataChart,
  renderChart,
} from 'src/charts/chart';
import {
  chartWidth,
  countAxis,
  formatCount,
  listSome,
  percent,
  requireCount,
  requireShare,
  rowName,
  shareAxisEnd,
  uniqueLabels,
} from 'src/charts/chart-input';
import { dejaVuWidth } from 'src/charts/text-width';
import {
  BucketUnit,
  bucketLabel,
  bucketRange,
  bucketTitle,
  parseBucketStart,
} from 'src/charts/time-buckets';

/**
 * Charts of a period's records, for the period audit report: volume over time, concept drift
 * against the previous period, and policy outcomes per application.
 */

/** The most buckets a volume chart draws: beyond this the bars are thinner than a pixel. */
export const MAX_BUCKETS = 500;

const OUTCOME_SCALE = {
  domain: OUTCOMES.map((outcome) => OUTCOME_LABELS[outcome]),
  range: OUTCOMES.map((outcome) => OUTCOME_COLOURS[outcome]),
};
const OUTCOME_VERBS: Record<Outcome, string> = {
  pass: 'passed',
  flag: 'flagged',
  block: 'blocked',
};

export interface VolumePoint {
  /** The bucket's start: an ISO date or date-time, read as UTC when it has no zone. */
  period: string;
  outcome: Outcome;
  count: number;
}

export interface VolumeOptions extends ChartOptions {
  unit: BucketUnit;
}

/**
 * Stacked bars of generations per bucket by policy outcome (pass at the bottom). Every bucket
 * from the first to the last is drawn, empty ones too, so a gap in service shows as a gap; points
 * for the same bucket and outcome are added up. Every period must be a bucket start on the grid
 * that begins at the earliest one.
 */
export async function volumeOverTime(
  points: readonly VolumePoint[],
  opts: VolumeOptions,
): Promise<Chart> {
  const width = chartWidth(opts);
  const noun = `Generations per ${opts.unit} (UTC)`;
  if (points.length === 0) return noDataChart(`${noun}: no data.`, width);
  const totals = new Map<number, Record<Outcome, number>>();
  points.forEach((point, i) => {
    const start = parseBucketStart(point.period);
    if (!OUTCOMES.includes(point.outcome)) {
      throw new RangeError(`outcome of ${rowName(i, point.period)} is ${point.outcome}`);
    }
    const bucket = totals.get(start) ?? { pass: 0, flag: 0, block: 0 };
    bucket[point.outcome] += requireCount(point.count, `count of ${rowName(i, point.period)}`);
    totals.set(start, bucket);
  });
  const starts = [...totals.keys()].sort((a, b) => a - b);
  const buckets = bucketRange(starts[0], starts[starts.length - 1], opts.unit, MAX_BUCKETS);
  const onGrid = new Set(buckets);
  const stray = starts.find((start) => !onGrid.has(start));
  if (stray !== undefined) {
    throw new RangeError(
      `period ${new Date(stray).toISOString()} is not a ${opts.unit} bucket start counted from ${new Date(starts[0]).toISOString()}`,
    );
  }
  const crossesYear =
    new Date(buckets[0]).getUTCFullYear() !==
    new Date(buckets[buckets.length - 1]).getUTCFullYear();
  const rows = buckets.flatMap((start) => {
    const counts = totals.get(start) ?? { pass: 0, flag: 0, block: 0 };
    const label = bucketLabel(start, opts.unit, crossesYear);
    const full = bucketLabel(start, opts.unit, true);
    let base = 0;
    return OUTCOMES.map((outcome) => {
      const row = {
        bucket: label,
        outcome: OUTCOME_LABELS[outcome],
        y0: base,
        y1: base + counts[outcome],
        desc: `${full}: ${formatCount(counts[outcome])} ${OUTCOME_VERBS[outcome]}`,
      };
      base = row.y1;
      return row;
    });
  });
  const labels = buckets.map((start) => bucketLabel(start, opts.unit, crossesYear));
  const yAxis = countAxis(Math.max(0, ...rows.map((r) => r.y1)));
  const spec = {
    data: { values: rows, format: { parse: null } },
    mark: { type: 'bar' },
    encoding: {
      x: {
        field: 'bucket',
        type: 'ordinal',
        sort: null,
        scale: { domain: labels, paddingInner: buckets.length > 60 ? 0 : 0.15 },
        axis: { values: everyNth(labels, width), labelAngle: 0, labelOverlap: 'greedy' },
        title: bucketTitle(opts.unit),
      },
      y: {
        field: 'y1',
        type: 'quantitative',
        title: 'Generations',
        scale: { domain: yAxis.domain },
        axis: { format: ',d', values: yAxis.values },
      },
      y2: { field: 'y0' },
      color: {
        field: 'outcome',
        type: 'nominal',
        scale: OUTCOME_SCALE,
        legend: { columns: 3 },
      },
      description: { field: 'desc' },
    },
  } as TopLevelSpec;
  return renderChart(spec, volumeAlt(buckets, totals, opts.unit, noun), width, 160);
}

/** Tick labels to show: every n-th bucket, so that their widths fit along the axis. */
function everyNth(labels: readonly string[], width: number): string[] {
  const widest = Math.max(...labels.map((label) => dejaVuWidth(label, FONT_SIZE)));
  const fit = Math.max(1, Math.floor((width - 70) / (widest + 12)));
  const step = Math.ceil(labels.length / fit);
  return labels.filter((_label, i) => i % step === 0);
}

function volumeAlt(
  buckets: readonly number[],
  totals: ReadonlyMap<number, Record<Outcome, number>>,
  unit: BucketUnit,
  noun: string,
): string {
  const sums = { pass: 0, flag: 0, block: 0 };
  let busiest = { start: buckets[0], total: -1 };
  for (const start of buckets) {
    const counts = totals.get(start) ?? { pass: 0, flag: 0, block: 0 };
    for (const outcome of OUTCOMES) sums[outcome] += counts[outcome];
    const total = counts.pass + counts.flag + counts.block;
    if (total > busiest.total) busiest = { start, total };
  }
  const all = sums.pass + sums.flag + sums.block;
  const first = bucketLabel(buckets[0], unit, true);
  const last = bucketLabel(buckets[buckets.length - 1], unit, true);
  return (
    `${noun} from ${first} to ${last}: ${formatCount(all)} in total, ` +
    `${OUTCOMES.map((outcome) => `${formatCount(sums[outcome])} ${OUTCOME_VERBS[outcome]}`).join(', ')}.` +
    ` The busiest ${unit} was ${bucketLabel(busiest.start, unit, true)} with ${formatCount(busiest.total)}.`
  );
}

export interface DriftRow {
  concept: string;
  /** 0..1 in this period (share of records using the concept, or its mean share). */
  current: number;
  /** 0..1 in the previous period. */
  previous: number;
}

export interface DriftOptions extends ChartOptions {
  /** What the numbers are, the x-axis title (default "Share"). */
  measure?: string;
}

const CURRENT = 'This period';
const PREVIOUS = 'Previous period';

/** Pairs of horizontal bars, this period above the previous one, per concept in the order given. */
export async function conceptDrift(rows: readonly DriftRow[], opts?: DriftOptions): Promise<Chart> {
  const width = chartWidth(opts);
  if (rows.length === 0) return noDataChart('Concept drift: no data.', width);
  const labels = uniqueLabels(rows.map((row) => row.concept));
  const checked = rows.map((row, i) => ({
    concept: labels[i],
    current: requireShare(row.current, `current value of ${rowName(i, row.concept)}`),
    previous: requireShare(row.previous, `previous value of ${rowName(i, row.concept)}`),
  }));
  const values = checked.flatMap((row) => [
    {
      concept: row.concept,
      period: CURRENT,
      value: row.current,
      desc: `${row.concept}: ${percent(row.current)} this period`,
    },
    {
      concept: row.concept,
      period: PREVIOUS,
      value: row.previous,
      desc: `${row.concept}: ${percent(row.previous)} previous period`,
    },
  ]);
  const end = shareAxisEnd(Math.max(...values.map((v) => v.value)));
  const spec = {
    data: { values, format: { parse: null } },
    mark: { type: 'bar' },
    encoding: {
      y: {
        field: 'concept',
        type: 'nominal',
        sort: null,
        title: null,
        scale: { paddingInner: 0.25 },
      },
      yOffset: { field: 'period', type: 'nominal', sort: [CURRENT, PREVIOUS] },
      x: {
        field: 'value',
        type: 'quantitative',
        // Concept shares are small: the axis ends at the nearest round share above the largest.
        scale: { domain: [0, end] },
        axis: { format: end < 0.1 ? '.1%' : '.0%', tickCount: 5 },
        title: opts?.measure ?? 'Share',
      },
      color: {
        field: 'period',
        type: 'nominal',
        scale: { domain: [CURRENT, PREVIOUS], range: ['#0072B2', '#A6A6A6'] },
        legend: { columns: legendColumns([CURRENT, PREVIOUS], width) },
      },
      description: { field: 'desc' },
    },
  } as TopLevelSpec;
  const alt = `${opts?.measure ?? 'Share'} by concept, this period against the previous one: ${listSome(checked.map((row) => `${row.concept} ${percent(row.current)} (previously ${percent(row.previous)})`))}.`;
  return renderChart(spec, alt, width, rows.length * BAR_STEP * 1.5);
}

export interface ApplicationOutcomes {
  application: string;
  pass: number;
  flag: number;
  block: number;
}

/** Stacked horizontal bars of pass, flag and block counts per application, in the order given. */
export async function policyOutcomes(
  rows: readonly ApplicationOutcomes[],
  opts?: ChartOptions,
): Promise<Chart> {
  const width = chartWidth(opts);
  if (rows.length === 0) return noDataChart('Policy outcomes by application: no data.', width);
  const labels = uniqueLabels(rows.map((row) => row.application));
  const checked = rows.map((row, i) => {
    const what = (outcome: Outcome) => `${outcome} count of ${rowName(i, row.application)}`;
    return {
      application: labels[i],
      pass: requireCount(row.pass, what('pass')),
      flag: requireCount(row.flag, what('flag')),
      block: requireCount(row.block, what('block')),
    };
  });
  const values = checked.flatMap((row) => {
    let base = 0;
    return OUTCOMES.map((outcome) => {
      const segment = {
        application: row.application,
        outcome: OUTCOME_LABELS[outcome],
        x0: base,
        x1: base + row[outcome],
        desc: `${row.application}: ${formatCount(row[outcome])} ${OUTCOME_VERBS[outcome]}`,
      };
      base = segment.x1;
      return segment;
    });
  });
  const xAxis = countAxis(Math.max(0, ...values.map((v) => v.x1)));
  const spec = {
    data: { values, format: { parse: null } },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'application', type: 'nominal', sort: null, title: null },
      x: {
        field: 'x1',
        type: 'quantitative',
        title: 'Generations',
        scale: { domain: xAxis.domain },
        axis: { format: ',d', values: xAxis.values },
      },
      x2: { field: 'x0' },
      color: { field: 'outcome', type: 'nominal', scale: OUTCOME_SCALE, legend: { columns: 3 } },
      description: { field: 'desc' },
    },
  } as TopLevelSpec;
  const alt = `Policy outcomes by application: ${listSome(
    checked.map(
      (row) =>
        `${row.application}: ${OUTCOMES.map((outcome) => `${formatCount(row[outcome])} ${OUTCOME_VERBS[outcome]}`).join(', ')}`,
    ),
    4,
    '; ',
  )}.`;
  return renderChart(spec, alt, width, rows.length * BAR_STEP);
}
