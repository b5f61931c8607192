import { DETECTED_AT } from 'src/evidence-format/attribution';

/** A figure as a person reads it: integers whole, tiny errors in exponent form, the rest to 6 digits. */
export function formatFigure(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') return '—';
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return value.toPrecision(6);
}

/** (ours − reference) / |reference|, or undefined when either is not a number or the reference is 0. */
export function relativeDifference(ours: unknown, reference: unknown): number | undefined {
  if (typeof ours !== 'number' || typeof reference !== 'number' || reference === 0)
    return undefined;
  return (ours - reference) / Math.abs(reference);
}

/**
 * The figures as text: what was evaluated (the string fields) as "key: value" lines, then the
 * numbers as an aligned table; with a reference (the model card's figures), each row also shows
 * the card's value and the relative difference from it.
 */
export function figuresTable(
  figures: Record<string, unknown>,
  reference?: Record<string, unknown>,
): string {
  const entries = Object.entries(figures);
  const about = entries
    .filter(([, value]) => typeof value === 'string')
    .map(([key, value]) => `${key}: ${String(value)}`);
  const header = reference ? ['figure', 'value', 'card', 'relative diff'] : ['figure', 'value'];
  const rows = entries
    .filter(([, value]) => typeof value === 'number' || value === null)
    .map(([key, value]) => {
      if (!reference) return [key, formatFigure(value)];
      const diff = relativeDifference(value, reference[key]);
      return [
        key,
        formatFigure(value),
        formatFigure(reference[key]),
        diff === undefined ? '' : diff.toExponential(1),
      ];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const detected = detectedPrecision(figures);
  const notes = detected ? ['', `attributionDetected*: ${detected}`] : [];
  return [...about, ...(about.length > 0 ? [''] : []), ...table, ...notes].join('\n');
}

/**
 * The attribution figures among detected concepts (model:eval's `attributionDetected*`), in words
 * that say they are not the goal's precision@3; undefined for figures made before them.
 */
export function detectedPrecision(figures: Record<string, unknown>): string | undefined {
  const { attributionDetectedCoverage: coverage, attributionDetectedCited: cited } = figures;
  if (typeof coverage !== 'number' || typeof cited !== 'number') return undefined;
  const about = `among detected concepts (p ≥ ${DETECTED_AT}), not the goal's figure`;
  if (!(coverage > 0)) return `${about}: no labelled chunk cites one`;
  const figure = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : '—');
  return (
    `${about}: precision ${figure(figures.attributionDetectedPrecisionAt3)} on the ` +
    `${(100 * coverage).toFixed(0)}% of labelled chunks that cite one, ${cited.toFixed(2)} cited ` +
    `per labelled chunk, top-1 accuracy ${figure(figures.attributionDetectedTop1Accuracy)}`
  );
}
