import { createHash } from 'node:crypto';
import { View, parse } from 'vega';
import { TopLevelSpec, compile } from 'vega-lite';
import { Config } from 'vega-lite/build/src/config';
import { dejaVuWidth, useDejaVuWidths } from 'src/charts/text-width';

/**
 * The shared half of every chart: the look (font, sizes, palettes) and the one render path from a
 * vega-lite spec to a self-contained, deterministic, accessible SVG string. The chart functions
 * (record-charts.ts, period-charts.ts) only build specs and alt text.
 *
 * Text widths come from DejaVu Sans's own advance widths (text-width.ts), since there is no canvas.
 */

/** A rendered chart: the SVG, the size of its viewBox, and its text alternative. */
export interface Chart {
  svg: string;
  width: number;
  height: number;
  /** One or two sentences stating the data, for screen readers and tagged PDFs. */
  alt: string;
}

/** Options every chart takes. */
export interface ChartOptions {
  /** Total width of the SVG in px (default 480, about the text width of an A4 report page). */
  width?: number;
}

export const DEFAULT_WIDTH = 480;
export const MIN_WIDTH = 240;
export const MAX_WIDTH = 2000;

/** The font the PDF renderer embeds (dejavu-fonts-ttf) and the portal serves. */
export const FONT = 'DejaVu Sans';
export const FONT_SIZE = 11;

/** Widest axis or legend label in px; longer ones end in an ellipsis. */
export const LABEL_LIMIT = 160;

/** Height in px of one horizontal bar's band. */
export const BAR_STEP = 22;

/**
 * Policy outcomes in the Okabe–Ito palette, which stays distinguishable with the common colour
 * vision deficiencies; flag and block also differ clearly in lightness.
 */
export const OUTCOMES = ['pass', 'flag', 'block'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const OUTCOME_COLOURS: Record<Outcome, string> = {
  pass: '#009E73',
  flag: '#E69F00',
  block: '#D55E00',
};
export const OUTCOME_LABELS: Record<Outcome, string> = {
  pass: 'Pass',
  flag: 'Flag',
  block: 'Block',
};

const GREY = '#4D4D4D';
const PADDING = 6;
/** A legend entry's symbol and the space after it, and the gap between columns (vega defaults). */
const LEGEND_SYMBOL = 21;
const LEGEND_GAP = 10;

const CONFIG: Config = {
  font: FONT,
  background: 'white',
  padding: PADDING,
  view: { stroke: null },
  axis: {
    labelFont: FONT,
    titleFont: FONT,
    labelFontSize: FONT_SIZE,
    titleFontSize: FONT_SIZE,
    titleFontWeight: 'normal',
    labelColor: GREY,
    titleColor: GREY,
    labelLimit: LABEL_LIMIT,
    labelOverlap: true,
    gridColor: '#E0E0E0',
    domainColor: '#888888',
    tickColor: '#888888',
  },
  legend: {
    labelFont: FONT,
    titleFont: FONT,
    labelFontSize: FONT_SIZE,
    titleFontSize: FONT_SIZE,
    labelColor: GREY,
    labelLimit: LABEL_LIMIT,
    orient: 'top',
    direction: 'horizontal',
    title: null,
    symbolType: 'square',
  },
  text: { font: FONT, fontSize: FONT_SIZE, limit: LABEL_LIMIT },
  title: { font: FONT },
  header: { labelFont: FONT, titleFont: FONT },
};

/**
 * Renders a vega-lite spec (without config or size) to a chart of the given total width: the
 * plot shrinks to leave room for axes and legends, and the height follows `plotHeight`.
 */
export async function renderChart(
  spec: TopLevelSpec,
  alt: string,
  width: number,
  plotHeight: number,
): Promise<Chart> {
  const sized = {
    ...spec,
    width,
    height: plotHeight,
    autosize: { type: 'fit-x', contains: 'padding' },
    config: CONFIG,
  } as TopLevelSpec;
  useDejaVuWidths();
  const view = new View(parse(compile(sized).spec), { renderer: 'none' });
  try {
    const svg = finishSvg(await view.toSVG(), alt);
    const size = /^<svg [^>]*?width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
    if (!size) throw new Error('vega rendered an SVG without a width and height');
    return { svg, width: Number(size[1]), height: Number(size[2]), alt };
  } finally {
    view.finalize();
  }
}

/** The chart for empty input: a framed "No data", so a report never fails for lack of rows. */
export function noDataChart(alt: string, width: number): Promise<Chart> {
  const spec: TopLevelSpec = {
    data: { values: [{ text: 'No data' }] },
    layer: [
      {
        mark: {
          type: 'rect',
          fill: '#F5F5F5',
          stroke: '#CCCCCC',
          x: 0,
          y: 0,
          x2: { expr: 'width' },
          y2: { expr: 'height' },
        },
      },
      {
        mark: {
          type: 'text',
          fontSize: 13,
          color: GREY,
          x: { expr: 'width / 2' },
          y: { expr: 'height / 2' },
        },
        encoding: { text: { field: 'text' } },
      },
    ],
  };
  return renderChart(spec, alt, width, 60);
}

/**
 * The legend's column count: as many entries per row as fit in the chart's width, so a horizontal
 * legend wraps instead of running off the right edge.
 */
export function legendColumns(labels: readonly string[], width: number): number {
  const widest = Math.max(...labels.map((label) => dejaVuWidth(label, FONT_SIZE)));
  const entry = LEGEND_SYMBOL + Math.min(widest, LABEL_LIMIT) + LEGEND_GAP;
  return Math.max(1, Math.min(labels.length, Math.floor((width - 2 * PADDING) / entry)));
}

/** Escapes text for an SVG element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Makes vega's SVG accessible and reproducible. vega's headless SVG carries no root role or label
 * (its `description` reaches only the browser renderer), so the root gets role="img", the alt text
 * as aria-label and a <title>. vega numbers clip paths and gradients with process-wide counters,
 * which would make the second render of the same chart differ from the first and collide when the
 * portal inlines two charts in one page; every id is renamed after a hash of the SVG instead.
 */
function finishSvg(svg: string, alt: string): string {
  const canonical = renameIds(svg, (index) => `chart-${index}`);
  const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 12);
  const label = escapeXml(alt);
  return renameIds(svg, (index) => `chart-${hash}-${index}`).replace(
    /^<svg ([^>]*)>/,
    (_match, attrs: string) =>
      `<svg ${attrs} role="img" aria-label="${label}"><title>${label}</title>`,
  );
}

/**
 * Renames every id, and every url(#id) that refers to one, to `name(n)` with n counting ids in
 * order of first appearance. Only inside tags: vega escapes '>' in text and '"' in attribute
 * values, so a label that happens to read id="clip1" is never touched.
 */
function renameIds(svg: string, name: (index: number) => string): string {
  const indexes = new Map<string, number>();
  const rename = (id: string): string => {
    if (!indexes.has(id)) indexes.set(id, indexes.size);
    return name(indexes.get(id) ?? 0);
  };
  return svg.replace(/<[^>]+>/g, (tag) =>
    tag.replace(
      /( id="|url\(#)([^")]+)/g,
      (_match, before: string, id: string) => `${before}${rename(id)}`,
    ),
  );
}
