import SVGtoPDF from 'svg-to-pdfkit';
import { FONT_NAME } from './pdf-fonts';
import { PdfLayout, StructOptions, Struct } from './pdf-layout';
import { stripControls } from './pdf-text';
import { flowingText, renderWarning } from './pdf-text-blocks';
import { COLOR, GAP, SIZE } from './pdf-theme';
import type { ChartBlock, ConceptBarsBlock } from './report-document';

function chartSize(l: PdfLayout, block: ChartBlock) {
  const caption = block.caption ? l.clean(block.caption, 'sans') : '';
  l.font('sans', SIZE.note);
  // Measured as flowingText lays it out (with its line gap), so the caption is never pushed
  // to the next page on its own.
  const captionHeight = caption
    ? l.doc.heightOfString(caption, { width: l.width, lineGap: 1.5 }) + 6
    : 0;
  const ratio = block.height > 0 && block.width > 0 ? block.height / block.width : 0.6;
  const width = Math.min(l.width, (l.pageHeight - captionHeight) / ratio);
  return { caption, width, height: width * ratio, captionHeight };
}

/** The height a chart needs where it starts: all of it, caption included. */
export function chartLeadHeight(l: PdfLayout, block: ChartBlock): number {
  const { height, captionHeight } = chartSize(l, block);
  return height + captionHeight;
}

/**
 * An SVG chart scaled to the text width (aspect kept; smaller when it would be taller than a
 * page), never split across pages, its caption under it. In the structure tree it is a Figure
 * whose alt text stands for the drawing.
 */
export function renderChart(l: PdfLayout, parent: Struct, block: ChartBlock): void {
  const { caption, width, height, captionHeight } = chartSize(l, block);
  l.ensureSpace(height + captionHeight);
  const x = l.left + (l.width - width) / 2;
  const y = l.y;
  const options: StructOptions = {
    // The alt text is read, not drawn: no glyph is missing, only controls go.
    alt: stripControls(block.alt),
    bbox: [x, y, x + width, y + height],
    placement: 'Block',
  };
  // Text in the SVG gets the same hygiene as the rest: no .notdef boxes for missing glyphs.
  const svg = block.svg.replace(
    />([^<]+)</g,
    (_match, text: string) => `>${l.clean(text, 'sans')}<`,
  );
  const figure = l.struct(parent, 'Figure', options);
  l.content(figure, 'Figure', () => {
    l.doc.save();
    SVGtoPDF(l.doc, svg, x, y, {
      width,
      height,
      preserveAspectRatio: 'xMidYMid meet',
      // Every SVG font is drawn with the embedded DejaVu Sans: no standard-14 font slips in.
      fontCallback: (_family, bold) => (bold ? FONT_NAME.bold : FONT_NAME.sans),
      // An element the converter cannot draw is left out rather than fail the report.
      warningCallback: () => undefined,
    });
    l.doc.restore();
  });
  figure.end();
  l.doc.x = l.left;
  l.y = y + height + 4;
  if (caption) flowingText(l, parent, caption, SIZE.note, COLOR.muted, 'Caption');
  else l.gap(GAP.block);
}

const BAR = { height: 9, row: 16, tag: 42, pct: 44, gap: 6 };

/** The bar's share as a percentage: one decimal, clamped to 0..100. */
export function formatShare(share: number): string {
  const pct = Number.isFinite(share) ? Math.min(1, Math.max(0, share)) * 100 : 0;
  return `${pct.toFixed(1)}%`;
}

/**
 * Concept shares drawn with pdfkit primitives (not SVG, so every label is real, searchable
 * text): the summary, the warning box if any, one row per bar (label, "forced" tag for steered
 * concepts, bar, percentage), then a key of the kinds shown.
 */
export function renderConceptBars(l: PdfLayout, parent: Struct, block: ConceptBarsBlock): void {
  const labelWidth = l.width * 0.34;
  const tagX = l.left + labelWidth + BAR.gap;
  const barX = tagX + BAR.tag + BAR.gap;
  const barWidth = l.left + l.width - BAR.pct - BAR.gap - barX;
  const rows = block.bars.map((bar) => ({
    ...bar,
    label: l.clean(bar.label, 'sans'),
    detail: bar.detail === undefined ? undefined : l.clean(bar.detail, 'sans'),
  }));
  const detailHeight = (row: (typeof rows)[number]) => {
    if (row.detail === undefined) return 0;
    l.font('sans', SIZE.note);
    return l.doc.heightOfString(row.detail, { width: labelWidth });
  };
  const heights = rows.map((row) => {
    l.font('sans', SIZE.table);
    const label = l.doc.heightOfString(row.label, { width: labelWidth });
    return Math.max(BAR.row, label + detailHeight(row) + 6);
  });

  const summary = l.clean(block.summary, 'bold');
  l.font('bold', SIZE.body);
  const summaryHeight = l.doc.heightOfString(summary, { width: l.width }) + 6;
  const firstRows = heights.slice(0, 3).reduce((sum, h) => sum + h, 0);
  l.ensureSpace(summaryHeight + (block.warning ? 0 : firstRows));
  const p = l.struct(parent, 'P');
  l.content(p, 'P', () =>
    l.font('bold', SIZE.body, COLOR.text).text(summary, l.left, l.y, { width: l.width }),
  );
  p.end();
  l.gap(6);
  if (block.warning) renderWarning(l, parent, block.warning);

  const list = l.struct(parent, 'L');
  rows.forEach((row, index) => {
    const height = heights[index];
    if (l.y + height > l.bottom) l.newPage();
    const top = l.y;
    const barY = top + (BAR.row - BAR.height) / 2;
    const share = Number.isFinite(row.share) ? Math.min(1, Math.max(0, row.share)) : 0;
    l.artifact(() => {
      l.doc.rect(barX, barY, barWidth, BAR.height).fill(COLOR.barTrack);
      if (share > 0) {
        l.doc
          .rect(barX, barY, Math.max(0.8, barWidth * share), BAR.height)
          .fill(COLOR.bars[row.kind]);
      }
      if (row.forced) {
        l.doc.roundedRect(tagX, barY - 0.5, BAR.tag, BAR.height + 1, 3).fill(COLOR.forced);
      }
    });
    const li = l.struct(list, 'LI');
    l.content(li, 'LI', () => {
      l.font('sans', SIZE.table, COLOR.text).text(row.label, l.left, top + 3, {
        width: labelWidth,
      });
      if (row.detail !== undefined) {
        l.font('sans', SIZE.note, COLOR.muted).text(row.detail, l.left, l.doc.y, {
          width: labelWidth,
        });
      }
      if (row.forced) {
        l.font('bold', 6.5, '#ffffff').text('forced', tagX, barY + 1.5, {
          width: BAR.tag,
          align: 'center',
          lineBreak: false,
        });
      }
      l.font('sans', SIZE.table, COLOR.text).text(
        formatShare(row.share),
        l.left + l.width - BAR.pct,
        top + 3,
        { width: BAR.pct, align: 'right', lineBreak: false },
      );
    });
    li.end();
    l.y = top + height;
  });
  list.end();
  l.doc.x = l.left;
  renderKindKey(l, parent, block);
}

const KIND_LABEL: Record<ConceptBarsBlock['bars'][number]['kind'], string> = {
  named: 'named concept',
  unnamed: 'unnamed feature',
  residual: 'residual (ε)',
  steering: 'steering',
};

function renderKindKey(l: PdfLayout, parent: Struct, block: ConceptBarsBlock): void {
  const kinds = (['named', 'unnamed', 'residual', 'steering'] as const).filter((kind) =>
    block.bars.some((bar) => bar.kind === kind),
  );
  if (kinds.length === 0) {
    l.gap(GAP.block);
    return;
  }
  l.gap(4);
  l.font('sans', SIZE.note, COLOR.muted);
  l.ensureSpace(l.doc.currentLineHeight(true) + 4);
  const top = l.y;
  const caption = l.struct(parent, 'Caption');
  let x = l.left;
  for (const kind of kinds) {
    const swatchX = x;
    l.artifact(() => l.doc.rect(swatchX, top + 1.5, 10, 7).fill(COLOR.bars[kind]));
    const text = KIND_LABEL[kind];
    const textX = x + 14;
    l.content(caption, 'Caption', () =>
      l.font('sans', SIZE.note, COLOR.muted).text(text, textX, top, { lineBreak: false }),
    );
    x = textX + l.doc.widthOfString(text) + 14;
  }
  caption.end();
  l.doc.x = l.left;
  l.y = top + l.doc.currentLineHeight(true) + 2;
  l.gap(GAP.block);
}
