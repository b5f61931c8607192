import { PdfLayout, Struct } from './pdf-layout';
import { COLOR, GAP, SIZE } from './pdf-theme';
import type { TableBlock } from './report-document';
import { flowingText } from './pdf-text-blocks';

const PAD_X = 4;
const PAD_Y = 3;
const LINE_GAP = 1;

/** A number as tables show it: "12", "-0.5", "1,024", "23%", "1.2e-3", "+4". */
const NUMERIC = /^[+\-−]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?\s?%?$/;

interface Column {
  x: number;
  width: number;
  align: 'left' | 'right';
}

/**
 * Columns laid out by relative width; a column without an alignment is right-aligned when every
 * value in it is a number, so figures line up.
 */
export function tableColumns(block: TableBlock, left: number, width: number): Column[] {
  const total = block.columns.reduce((sum, column) => sum + Math.max(column.width ?? 1, 0.01), 0);
  let x = left;
  return block.columns.map((column, index) => {
    const w = (width * Math.max(column.width ?? 1, 0.01)) / total;
    const values = block.rows.map((row) => (row[index] ?? '').trim()).filter((v) => v !== '');
    const numeric = values.length > 0 && values.every((v) => NUMERIC.test(v) && /\d/.test(v));
    const result: Column = { x, width: w, align: column.align ?? (numeric ? 'right' : 'left') };
    x += w;
    return result;
  });
}

/**
 * A table whose rows never split: a row that does not fit moves to the next page, and the header
 * row is drawn again on top of each page the table continues on (as a pagination artifact, so
 * assistive technology reads the header once). Zebra rows, wrapping cells.
 */
export function renderTable(l: PdfLayout, parent: Struct, block: TableBlock): void {
  const columns = tableColumns(block, l.left, l.width);
  const headers = block.columns.map((column) => l.clean(column.header, 'bold'));
  const rows = block.rows.map((row) => columns.map((_, i) => l.clean(row[i] ?? '', 'sans')));
  const headerHeight = rowHeight(l, headers, columns, 'bold');
  const firstRowHeight = rows.length > 0 ? rowHeight(l, rows[0], columns, 'sans') : 0;
  l.ensureSpace(headerHeight + Math.min(firstRowHeight, l.pageHeight / 2));

  const table = l.struct(parent, 'Table');
  drawHeader(l, table, headers, columns, headerHeight, false);
  rows.forEach((cells, index) => {
    // A row taller than a page is cut to one page (the attached JSON holds every value).
    const height = Math.min(rowHeight(l, cells, columns, 'sans'), l.pageHeight - headerHeight);
    if (l.y + height > l.bottom) {
      l.newPage();
      drawHeader(l, table, headers, columns, headerHeight, true);
    }
    const top = l.y;
    if (index % 2 === 1) {
      l.artifact(() => l.doc.rect(l.left, top, l.width, height).fill(COLOR.zebra));
    }
    const tr = l.struct(table, 'TR');
    drawCells(l, tr, 'TD', cells, columns, 'sans', top, height);
    tr.end();
    l.y = top + height;
  });
  const end = l.y;
  l.artifact(() =>
    l.doc
      .moveTo(l.left, end)
      .lineTo(l.left + l.width, end)
      .lineWidth(0.6)
      .stroke(COLOR.rule),
  );
  table.end();
  l.gap(4);
  if (block.caption) flowingText(l, parent, block.caption, SIZE.note, COLOR.muted);
  else l.gap(GAP.block - 4);
}

function rowHeight(
  l: PdfLayout,
  cells: string[],
  columns: Column[],
  kind: 'sans' | 'bold',
): number {
  l.font(kind, SIZE.table);
  const minimum = l.doc.currentLineHeight(true);
  const heights = cells.map((cell, i) =>
    cell === ''
      ? minimum
      : l.doc.heightOfString(cell, { width: columns[i].width - 2 * PAD_X, lineGap: LINE_GAP }),
  );
  return Math.max(minimum, ...heights) + 2 * PAD_Y;
}

function drawHeader(
  l: PdfLayout,
  table: Struct,
  headers: string[],
  columns: Column[],
  height: number,
  repeated: boolean,
): void {
  const top = l.y;
  l.artifact(() => {
    l.doc.rect(l.left, top, l.width, height).fill(COLOR.tableHeader);
    l.doc
      .moveTo(l.left, top + height)
      .lineTo(l.left + l.width, top + height)
      .lineWidth(0.6)
      .stroke(COLOR.rule);
  });
  if (repeated) {
    l.artifact(() => drawTexts(l, headers, columns, 'bold', top, height), 'Pagination');
  } else {
    const tr = l.struct(table, 'TR');
    drawCells(l, tr, 'TH', headers, columns, 'bold', top, height);
    tr.end();
  }
  l.y = top + height;
}

function drawCells(
  l: PdfLayout,
  tr: Struct,
  tag: 'TH' | 'TD',
  cells: string[],
  columns: Column[],
  kind: 'sans' | 'bold',
  top: number,
  height: number,
): void {
  cells.forEach((cell, i) => {
    const element = l.struct(tr, tag, tag === 'TH' ? { scope: 'Column' } : {});
    l.content(element, tag, () => drawText(l, cell, columns[i], kind, top, height));
  });
}

function drawTexts(
  l: PdfLayout,
  cells: string[],
  columns: Column[],
  kind: 'sans' | 'bold',
  top: number,
  height: number,
): void {
  cells.forEach((cell, i) => drawText(l, cell, columns[i], kind, top, height));
}

function drawText(
  l: PdfLayout,
  cell: string,
  column: Column,
  kind: 'sans' | 'bold',
  top: number,
  height: number,
): void {
  if (cell === '') return;
  l.font(kind, SIZE.table, COLOR.text).text(cell, column.x + PAD_X, top + PAD_Y, {
    width: column.width - 2 * PAD_X,
    height: height - 2 * PAD_Y,
    align: column.align,
    lineGap: LINE_GAP,
    ellipsis: true,
  });
}
