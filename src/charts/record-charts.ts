import { TopLevelSpec } from 'vega-lite';
import {
  BAR_STEP,
  Chart,
  ChartOptions,
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
  requireShare,
  rowName,
  uniqueLabels,
} from 'src/charts/chart-input';

/**
 * Charts of one record's attribution, or of values spread over records: the concept shares, the
 * training sources against their base rates, and the distribution of a share.
 */

export type ConceptKind = 'named' | 'unnamed' | 'residual' | 'steering';

export interface ConceptShareBar {
  label: string;
  /** 0..1 */
  share: number;
  kind: ConceptKind;
  /** A steered concept: the bar is outlined, lighter, and its label ends in " (forced)". */
  forced?: boolean;
  /** A second line under the label in report bars (a named concept's detection). */
  detail?: string;
}

const KIND_LABELS: Record<ConceptKind, string> = {
  named: 'Named',
  unnamed: 'Unnamed',
  residual: 'Residual (ε)',
  steering: 'Steering',
};
/** Okabe–Ito blue, sky blue and reddish purple; the residual is grey because it explains nothing. */
const KIND_COLOURS: Record<ConceptKind, string> = {
  named: '#0072B2',
  unnamed: '#56B4E9',
  residual: '#999999',
  steering: '#CC79A7',
};
const KINDS = Object.keys(KIND_LABELS) as ConceptKind[];

/** Shares above this have their percentage inside the bar. */
const INSIDE_FROM = 0.85;

const SHARE_AXIS = { format: '.0%', tickCount: 5, grid: true };

/**
 * Horizontal bars of concept shares in the order given (the caller puts named concepts first),
 * coloured by kind, with the percentage at the end of each bar.
 */
export async function conceptShares(
  bars: readonly ConceptShareBar[],
  opts?: ChartOptions,
): Promise<Chart> {
  const width = chartWidth(opts);
  if (bars.length === 0) return noDataChart('Concept shares: no data.', width);
  const labels = uniqueLabels(
    bars.map((bar) => (bar.forced ? `${bar.label} (forced)` : bar.label)),
  );
  const rows = bars.map((bar, i) => {
    const share = requireShare(bar.share, `share of ${rowName(i, bar.label)}`);
    if (!(bar.kind in KIND_LABELS))
      throw new RangeError(`kind of ${rowName(i, bar.label)} is ${bar.kind}`);
    const label = labels[i];
    return {
      label,
      share,
      kind: KIND_LABELS[bar.kind],
      forced: bar.forced === true,
      text: percent(share),
      desc: `${label}: ${percent(share)} (${bar.kind})`,
    };
  });
  const kinds = KINDS.filter((kind) => bars.some((bar) => bar.kind === kind));
  const spec = {
    data: { values: rows, format: { parse: null } },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null },
      x: {
        field: 'share',
        type: 'quantitative',
        scale: { domain: [0, 1] },
        axis: SHARE_AXIS,
        title: 'Share',
      },
    },
    layer: [
      {
        mark: { type: 'bar', strokeWidth: 1.5 },
        encoding: {
          color: {
            field: 'kind',
            type: 'nominal',
            scale: {
              domain: kinds.map((k) => KIND_LABELS[k]),
              range: kinds.map((k) => KIND_COLOURS[k]),
            },
            legend: {
              columns: legendColumns(
                kinds.map((k) => KIND_LABELS[k]),
                width,
              ),
            },
          },
          // Only forced bars get an outline (pattern fills would not survive every SVG consumer).
          stroke: { condition: { test: 'datum.forced', value: '#000000' }, value: null },
          strokeDash: { condition: { test: 'datum.forced', value: [4, 2] }, value: [] },
          fillOpacity: { condition: { test: 'datum.forced', value: 0.5 }, value: 1 },
          description: { field: 'desc' },
        },
      },
      // The percentage after the bar, or inside it near 100%, where after would run off the chart.
      {
        transform: [{ filter: `datum.share <= ${INSIDE_FROM}` }],
        mark: { type: 'text', align: 'left', baseline: 'middle', dx: 3, aria: false },
        encoding: { text: { field: 'text' } },
      },
      {
        transform: [{ filter: `datum.share > ${INSIDE_FROM}` }],
        mark: {
          type: 'text',
          align: 'right',
          baseline: 'middle',
          dx: -3,
          color: 'black',
          aria: false,
        },
        encoding: { text: { field: 'text' } },
      },
    ],
  } as TopLevelSpec;
  const forced = rows.filter((row) => row.forced).length;
  const alt =
    `Concept shares, ${bars.length === 1 ? '1 bar' : `${bars.length} bars`}: ${listSome(rows.map((row) => `${row.label} ${row.text}`))}.` +
    (forced > 0 ? ` ${forced} forced by steering.` : '');
  return renderChart(spec, alt, width, rows.length * BAR_STEP);
}

export interface SourceMixRow {
  source: string;
  /** The source's share of this output's attribution, 0..1. */
  share: number;
  /** The source's share of the training data, 0..1. */
  baseRate: number;
}

const SHARE_SERIES = 'Share of attribution';
const BASE_SERIES = 'Base rate in training data';

/** Bars of each training source's share, with a tick at its base rate in the training data. */
export async function sourceMix(
  rows: readonly SourceMixRow[],
  opts?: ChartOptions,
): Promise<Chart> {
  const width = chartWidth(opts);
  if (rows.length === 0) return noDataChart('Training sources: no data.', width);
  const labels = uniqueLabels(rows.map((row) => row.source));
  const values = rows.map((row, i) => {
    const share = requireShare(row.share, `share of ${rowName(i, row.source)}`);
    const baseRate = requireShare(row.baseRate, `base rate of ${rowName(i, row.source)}`);
    const desc = `${labels[i]}: ${percent(share)} of attribution, base rate ${percent(baseRate)}`;
    return { source: labels[i], share, baseRate, desc };
  });
  const colour = (series: string) => ({
    datum: series,
    type: 'nominal',
    scale: { domain: [SHARE_SERIES, BASE_SERIES], range: ['#0072B2', '#000000'] },
    legend: { columns: legendColumns([SHARE_SERIES, BASE_SERIES], width) },
  });
  const spec = {
    data: { values, format: { parse: null } },
    encoding: { y: { field: 'source', type: 'nominal', sort: null, title: null } },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x: {
            field: 'share',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: SHARE_AXIS,
            title: 'Share',
          },
          color: colour(SHARE_SERIES),
          description: { field: 'desc' },
        },
      },
      {
        mark: { type: 'tick', thickness: 2, size: BAR_STEP - 4, aria: false },
        encoding: { x: { field: 'baseRate', type: 'quantitative' }, color: colour(BASE_SERIES) },
      },
    ],
  } as TopLevelSpec;
  const alt = `Share of attribution by training source against its base rate in the training data: ${listSome(values.map((v) => `${v.source} ${percent(v.share)} (base rate ${percent(v.baseRate)})`))}.`;
  return renderChart(spec, alt, width, values.length * BAR_STEP);
}

export interface DistributionOptions extends ChartOptions {
  /** What the values are, e.g. "Named share per chunk": the x-axis title. */
  label: string;
  /** Number of equal bins over 0..1 (default 20, at most 100). */
  bins?: number;
}

/**
 * A histogram of values in 0..1 over fixed, equal bins (so the same values give the same chart in
 * any order), with the median marked by a rule. Bins are closed on the left; 1 falls in the last.
 */
export async function distribution(
  values: readonly number[],
  opts: DistributionOptions,
): Promise<Chart> {
  const width = chartWidth(opts);
  const binCount = opts.bins ?? 20;
  if (!Number.isInteger(binCount) || binCount < 1 || binCount > 100) {
    throw new RangeError(`bins must be an integer from 1 to 100, not ${binCount}`);
  }
  if (values.length === 0) return noDataChart(`${opts.label}: no data.`, width);
  const checked = values.map((value, i) => requireShare(value, `value ${i + 1}`));
  const counts = new Array<number>(binCount).fill(0);
  for (const value of checked) counts[Math.min(binCount - 1, Math.floor(value * binCount))]++;
  const bins = counts.map((count, i) => {
    const [start, end] = [i / binCount, (i + 1) / binCount];
    return {
      start,
      end,
      count,
      desc: `${percent(start)} to ${percent(end)}: ${formatCount(count)}`,
    };
  });
  const sorted = [...checked].sort((a, b) => a - b);
  const median = medianOf(sorted);
  const yAxis = countAxis(Math.max(...counts));
  const spec = {
    layer: [
      {
        data: { values: bins },
        mark: { type: 'bar', color: '#0072B2', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: {
            field: 'start',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: { format: '.0%', tickCount: 5 },
            title: opts.label,
          },
          x2: { field: 'end' },
          y2: { datum: 0 },
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'Count',
            scale: { domain: yAxis.domain },
            axis: { format: ',d', values: yAxis.values },
          },
          description: { field: 'desc' },
        },
      },
      {
        data: { values: [{ median, text: `median ${percent(median)}` }] },
        mark: { type: 'rule', color: '#D55E00', strokeWidth: 2, strokeDash: [5, 3], aria: false },
        encoding: { x: { field: 'median', type: 'quantitative' } },
      },
      {
        data: { values: [{ median, text: `median ${percent(median)}` }] },
        // Above the plot, where no bar can hide it.
        mark: {
          type: 'text',
          align: 'center',
          baseline: 'bottom',
          y: -3,
          color: '#D55E00',
          aria: false,
        },
        encoding: { x: { field: 'median', type: 'quantitative' }, text: { field: 'text' } },
      },
    ],
  } as TopLevelSpec;
  const top = bins.reduce((best, bin) => (bin.count > best.count ? bin : best));
  const alt =
    `${opts.label}: ${formatCount(checked.length)} values from ${percent(sorted[0])} to ${percent(sorted[sorted.length - 1])}, median ${percent(median)}.` +
    ` The fullest bin, ${percent(top.start)} to ${percent(top.end)}, holds ${formatCount(top.count)}.`;
  return renderChart(spec, alt, width, 160);
}

/** The median of values sorted ascending. */
function medianOf(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
