import { ChartOptions, DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH } from 'src/charts/chart';

/**
 * Checks and words for chart input. Bad numbers are rejected, never clamped: a chart in an audit
 * report that silently drew a NaN as zero or a 130% share as 100% would misstate the evidence, so
 * the caller hears about it (a RangeError naming the row) and fixes the query instead.
 */

/** Shares may overshoot [0, 1] by this much from floating-point sums; they are then clamped. */
const SHARE_TOLERANCE = 1e-9;

/** The chart's total width: the option, or the default. */
export function chartWidth(opts: ChartOptions | undefined): number {
  const width = opts?.width ?? DEFAULT_WIDTH;
  if (!Number.isInteger(width) || width < MIN_WIDTH || width > MAX_WIDTH) {
    throw new RangeError(
      `chart width must be an integer from ${MIN_WIDTH} to ${MAX_WIDTH} px, not ${width}`,
    );
  }
  return width;
}

/** A share in [0, 1]; `what` names the value in the error, e.g. 'share of bar 3 ("negation")'. */
export function requireShare(value: number, what: string): number {
  if (!Number.isFinite(value) || value < -SHARE_TOLERANCE || value > 1 + SHARE_TOLERANCE) {
    throw new RangeError(`${what} must be a number from 0 to 1, not ${value}`);
  }
  return Math.min(1, Math.max(0, value));
}

/** A count: a non-negative safe integer. */
export function requireCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, not ${value}`);
  }
  return value;
}

/** A label for the error messages: the row's position and its (shortened) text. */
export function rowName(index: number, label: string): string {
  const short = label.length > 40 ? `${label.slice(0, 39)}…` : label;
  return `row ${index + 1} (${JSON.stringify(short)})`;
}

/**
 * Labels made unique by suffixing repeats with " (2)", " (3)"…: the bars sit on a band scale keyed
 * by label, which would otherwise merge two rows that happen to share a name into one bar.
 * Empty labels become "(no name)".
 */
export function uniqueLabels(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  return labels.map((raw) => {
    const base = raw.trim() === '' ? '(no name)' : raw;
    let label = base;
    for (let n = 2; seen.has(label); n++) label = `${base} (${n})`;
    seen.add(label);
    return label;
  });
}

/** A share as a percentage: whole percent, one decimal below 10% so small shares don't read 0%. */
export function percent(share: number): string {
  if (share > 0 && share < 0.1) return `${Number((share * 100).toFixed(1))}%`;
  return `${Math.round(share * 100)}%`;
}

/** An integer with thousands separators, independent of the machine's locale. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * "a, b and c", or "a, b, c and 4 more" past `max` items; with separator '; ', "a; b; and c" for
 * items that hold commas themselves.
 */
export function listSome(items: readonly string[], max = 5, separator = ', '): string {
  const shown =
    items.length > max ? [...items.slice(0, max), `${items.length - max} more`] : [...items];
  if (shown.length <= 1) return shown.join('');
  const last = separator === ', ' ? ' and ' : `${separator}and `;
  return `${shown.slice(0, -1).join(separator)}${last}${shown[shown.length - 1]}`;
}

/**
 * A count axis of whole numbers from 0 to at least `max`: its domain and its tick values, steps of
 * 1, 2 or 5 times a power of ten, about five ticks (never a half, which would print twice).
 */
export function countAxis(max: number): { domain: [number, number]; values: number[] } {
  const top = Math.max(1, Math.ceil(max));
  const rough = top / 5;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(1, rough)));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 1);
  const end = Math.ceil(top / step) * step;
  const values: number[] = [];
  for (let v = 0; v <= end; v += step) values.push(v);
  return { domain: [0, end], values };
}

/** The upper end of a share axis: the smallest of 5%, 10%, 20%, 25%, 50% and 100% that holds `max`. */
export function shareAxisEnd(max: number): number {
  return [0.05, 0.1, 0.2, 0.25, 0.5, 1].find((end) => max <= end) ?? 1;
}
