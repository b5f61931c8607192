/** Small helpers shared by the benchmarks: order statistics, progress and the result table. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: p99 of 100 values is the 99th, never an interpolation past the data.
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `1234567` → `1,234,567` (rounded). */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${value.toFixed(0)} ms`;
}

/** A line on stderr that redraws itself: `[#####.....] done/total what`. */
export function progress(label: string, done: number, total: number, what = ''): void {
  const filled = Math.round((20 * Math.min(done, total)) / Math.max(total, 1));
  process.stderr.write(
    `\r${label} [${'#'.repeat(filled).padEnd(20, '.')}] ${count(done)}/${count(total)} ${what}\x1b[K`,
  );
  if (done >= total) process.stderr.write('\n');
}

/** A status line on stderr for a step without a count. */
export function step(text: string): void {
  process.stderr.write(`${text}\n`);
}

export type Row = [string, string] | string;

/** Key/value rows, aligned on one column per section; a bare string is a section heading. */
export function table(rows: readonly Row[]): string {
  const sections: Row[][] = [];
  for (const row of rows) {
    if (typeof row === 'string' || sections.length === 0) sections.push([]);
    sections[sections.length - 1].push(row);
  }
  return sections
    .map((section) => {
      const width = Math.max(0, ...section.map((r) => (typeof r === 'string' ? 0 : r[0].length)));
      return section
        .map((r) => (typeof r === 'string' ? r : `  ${r[0].padEnd(width)}  ${r[1]}`))
        .join('\n');
    })
    .join('\n\n');
}

export function met(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}

/** Runs `work` n times; the mean wall time per call in µs. */
export function microsPerCall(n: number, work: (i: number) => unknown): number {
  const started = performance.now();
  for (let i = 0; i < n; i++) work(i);
  return ((performance.now() - started) * 1000) / n;
}
