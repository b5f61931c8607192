import * as vega from 'vega';

/**
 * Text widths in DejaVu Sans for vega's layout. Without canvas, vega guesses every character at
 * 0.8 em, which for DejaVu Sans (about 0.6 em on average) truncates labels a third too early and
 * leaves gaps. The advance widths below were read from node_modules/dejavu-fonts-ttf/ttf/
 * DejaVuSans.ttf (version 2.37, 2048 units per em) with fontkit; no kerning, which DejaVu barely
 * uses. Characters outside printable ASCII are over-estimated, never under: a label can then end
 * a little early, but never overlap its neighbour.
 */

const UNITS_PER_EM = 2048;

/** Advance widths of U+0020 (space) to U+007E (~). */
const ASCII_WIDTHS = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401,
  1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612,
  1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300,
  1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067,
  803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];
/** Other Latin, Greek and symbols: about the widest DejaVu Sans capitals. */
const OTHER_WIDTH = 1600;
/** CJK and beyond (U+2E80 on), which a fallback font draws about one em wide. */
const WIDE_WIDTH = UNITS_PER_EM;
/** Bold DejaVu Sans is about 10% wider. */
const BOLD_FACTOR = 1.1;

/** The width in px of `text` at `fontSize` px. */
export function dejaVuWidth(text: string, fontSize: number, bold = false): number {
  let units = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e) units += ASCII_WIDTHS[code - 0x20];
    else units += code >= 0x2e80 ? WIDE_WIDTH : OTHER_WIDTH;
  }
  return ((bold ? BOLD_FACTOR : 1) * units * fontSize) / UNITS_PER_EM;
}

/** The text item fields vega hands to its text-width hook. */
interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

/**
 * Installs DejaVu widths as vega's text metrics (`vega.textMetrics.width`, the hook vl-convert
 * uses too; untyped in vega-typings). The hook is called with the full text both to lay labels
 * out and, from vega's truncation, to find where to cut; capping at the item's limit serves both.
 * Idempotent; every render path in this folder calls it before rendering.
 */
export function useDejaVuWidths(): void {
  const metrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics;
  metrics.width = (item: TextItem, text: string | number | null | undefined): number => {
    const line = text == null ? '' : `${text}`.trim();
    const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
    const width = dejaVuWidth(line, item.fontSize ?? 11, bold);
    return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
}
