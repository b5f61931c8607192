import { PdfLayout, Struct } from './pdf-layout';
import { hardWrap } from './pdf-text';
import { COLOR, GAP, SIZE } from './pdf-theme';
import type {
  KeyValuesBlock,
  MonoBlock,
  ParagraphBlock,
  SignOffBlock,
  StatementsBlock,
} from './report-document';

/** Extra space between wrapped lines of running text. */
const LINE_GAP = 1.5;

export function renderParagraph(l: PdfLayout, parent: Struct, block: ParagraphBlock): void {
  const style = block.style ?? 'body';
  switch (style) {
    case 'body':
      flowingText(l, parent, block.text, SIZE.body, COLOR.text);
      return;
    case 'note':
      flowingText(l, parent, block.text, SIZE.note, COLOR.muted);
      return;
    case 'heading':
      renderHeading(l, parent, 'H4', block.text, SIZE.h3);
      return;
    case 'warning':
      renderWarning(l, parent, block.text);
      return;
  }
}

/** Running text that pdfkit flows across pages; never starts with a lone line at a page foot. */
export function flowingText(
  l: PdfLayout,
  parent: Struct,
  text: string,
  size: number,
  color: string,
  tag = 'P',
): void {
  const clean = l.clean(text, 'sans');
  l.font('sans', size, color);
  const options = { width: l.width, lineGap: LINE_GAP };
  const twoLines = 2 * l.doc.currentLineHeight(true) + LINE_GAP;
  l.ensureSpace(Math.min(l.doc.heightOfString(clean, options), twoLines));
  const p = l.struct(parent, tag);
  l.content(p, tag, () => l.doc.text(clean, l.left, l.y, options));
  p.end();
  l.gap(GAP.paragraph);
}

/**
 * A heading kept with what follows: it moves to the next page when fewer than `keep` points
 * would remain under it.
 */
export function renderHeading(
  l: PdfLayout,
  parent: Struct,
  tag: string,
  text: string,
  size: number,
  keep = 60,
): void {
  const clean = l.clean(text, 'bold');
  l.font('bold', size, COLOR.heading);
  const options = { width: l.width };
  const height = l.doc.heightOfString(clean, options);
  l.ensureSpace(height + keep);
  const h = l.struct(parent, tag);
  l.content(h, tag, () => l.doc.text(clean, l.left, l.y, options));
  h.end();
  l.gap(GAP.heading);
}

const BOX_PAD = 8;

/** A tinted box with a bold "Warning" label: kept on one page (unless longer than a page). */
export function renderWarning(l: PdfLayout, parent: Struct, text: string): void {
  const clean = l.clean(text, 'sans');
  const inner = l.width - 2 * BOX_PAD - 4;
  l.font('bold', SIZE.body);
  const labelHeight = l.doc.currentLineHeight(true) + 2;
  l.font('sans', SIZE.body);
  const options = { width: inner, lineGap: LINE_GAP };
  const height = 2 * BOX_PAD + labelHeight + l.doc.heightOfString(clean, options);
  const boxed = height <= l.pageHeight;
  l.ensureSpace(boxed ? height : labelHeight * 3);
  const top = l.y;
  const x = l.left + 4 + BOX_PAD;
  if (boxed) {
    l.artifact(() => {
      l.doc.rect(l.left, top, l.width, height).fill(COLOR.warningFill);
      l.doc.rect(l.left, top, 3, height).fill(COLOR.warningBorder);
    });
  }
  const p = l.struct(parent, 'P');
  l.content(p, 'P', () => {
    l.font('bold', SIZE.body, COLOR.warningText).text('Warning', x, top + BOX_PAD, {
      width: inner,
    });
    l.font('sans', SIZE.body, COLOR.text).text(clean, x, top + BOX_PAD + labelHeight, options);
  });
  p.end();
  l.y = boxed ? top + height : l.y;
  l.gap(GAP.block);
}

const ROW_PAD = 3;

/** Label and value in two columns; a row is never split, long values wrap (hard if need be). */
export function renderKeyValues(l: PdfLayout, parent: Struct, block: KeyValuesBlock): void {
  const labelWidth = Math.min(160, l.width * 0.32);
  const valueX = l.left + labelWidth + 12;
  const valueWidth = l.left + l.width - valueX;
  const table = l.struct(parent, 'Table');
  for (const [label, value] of block.rows) {
    const cleanLabel = l.clean(label, 'bold');
    const cleanValue = l.clean(value, 'sans');
    l.font('bold', SIZE.body);
    const labelHeight = l.doc.heightOfString(cleanLabel, { width: labelWidth });
    l.font('sans', SIZE.body);
    const valueHeight = l.doc.heightOfString(cleanValue, { width: valueWidth });
    const height = Math.max(labelHeight, valueHeight) + 2 * ROW_PAD;
    // A value longer than a page flows on (pdfkit continues it on the next page).
    l.ensureSpace(Math.min(height, l.pageHeight / 2));
    const top = l.y;
    const row = l.struct(table, 'TR');
    const th = l.struct(row, 'TH', { scope: 'Row' });
    l.content(th, 'TH', () =>
      l
        .font('bold', SIZE.body)
        .text(cleanLabel, l.left, top + ROW_PAD, { width: labelWidth, lineGap: LINE_GAP }),
    );
    const td = l.struct(row, 'TD');
    l.content(td, 'TD', () =>
      l
        .font('sans', SIZE.body)
        .text(cleanValue, valueX, top + ROW_PAD, { width: valueWidth, lineGap: LINE_GAP }),
    );
    row.end();
    const bottom = l.doc.y > top ? Math.max(l.doc.y, top + height - ROW_PAD) : l.doc.y;
    l.y = bottom + ROW_PAD;
    const ruleY = l.y;
    l.artifact(() =>
      l.doc
        .moveTo(l.left, ruleY)
        .lineTo(l.left + l.width, ruleY)
        .lineWidth(0.4)
        .stroke(COLOR.rule),
    );
  }
  table.end();
  l.gap(GAP.block);
}

const NUMBER_WIDTH = 20;

/** Numbered sentences, each with its cited record fields in small grey monospace. */
export function renderStatements(l: PdfLayout, parent: Struct, block: StatementsBlock): void {
  const bodyX = l.left + NUMBER_WIDTH;
  const bodyWidth = l.width - NUMBER_WIDTH;
  const list = l.struct(parent, 'L');
  block.items.forEach((item, index) => {
    const sentence = l.clean(item.text, 'sans');
    const cites = l.clean(item.cites.map((cite) => `[${cite}]`).join('  '), 'mono');
    l.font('sans', SIZE.body);
    let height = l.doc.heightOfString(sentence, { width: bodyWidth, lineGap: LINE_GAP });
    l.font('mono', SIZE.cite);
    if (cites) height += 2 + l.doc.heightOfString(cites, { width: bodyWidth });
    l.ensureSpace(Math.min(height, l.pageHeight / 2));
    const top = l.y;
    const li = l.struct(list, 'LI');
    const lbl = l.struct(li, 'Lbl');
    l.content(lbl, 'Lbl', () =>
      l.font('bold', SIZE.body).text(`${index + 1}.`, l.left, top, { lineBreak: false }),
    );
    const body = l.struct(li, 'LBody');
    l.content(body, 'LBody', () => {
      l.font('sans', SIZE.body).text(sentence, bodyX, top, {
        width: bodyWidth,
        lineGap: LINE_GAP,
      });
      if (cites) {
        l.font('mono', SIZE.cite, COLOR.muted).text(cites, bodyX, l.y + 2, { width: bodyWidth });
      }
    });
    li.end();
    l.gap(GAP.paragraph);
  });
  list.end();
  l.gap(GAP.block - GAP.paragraph);
}

const MONO_PAD = 6;

function monoLines(l: PdfLayout, block: MonoBlock) {
  l.font('mono', SIZE.mono);
  const charWidth = l.doc.widthOfString('0');
  const columns = Math.max(1, Math.floor((l.width - 2 * MONO_PAD) / charWidth));
  const lines = l
    .clean(block.text, 'mono')
    .split('\n')
    .flatMap((line) => hardWrap(line, columns));
  const lineHeight = l.doc.currentLineHeight(true) + 1;
  return { lines, lineHeight, whole: lines.length * lineHeight + 2 * MONO_PAD };
}

/** The height a mono block needs where it starts: all of it when it fits on a page. */
export function monoLeadHeight(l: PdfLayout, block: MonoBlock): number {
  const { lineHeight, whole } = monoLines(l, block);
  return whole <= l.pageHeight ? whole : 3 * lineHeight + 2 * MONO_PAD;
}

/**
 * Monospaced text kept exactly: every newline kept, long lines broken hard at the column width
 * (a hash or base64 has no space to break at).
 */
export function renderMono(l: PdfLayout, parent: Struct, block: MonoBlock): void {
  const { lines, lineHeight, whole } = monoLines(l, block);
  // A block that fits on one page is kept whole; a longer one fills pages line by line.
  if (whole <= l.pageHeight) l.ensureSpace(whole);
  const code = l.struct(parent, 'Code');
  let next = 0;
  while (next < lines.length) {
    const fit = Math.floor((l.bottom - l.y - 2 * MONO_PAD) / lineHeight);
    if (fit < Math.min(3, lines.length - next) && !l.atPageTop) {
      l.newPage();
      continue;
    }
    const chunk = lines.slice(next, next + Math.max(1, fit));
    next += chunk.length;
    const top = l.y;
    const height = chunk.length * lineHeight + 2 * MONO_PAD;
    l.artifact(() => l.doc.rect(l.left, top, l.width, height).fill(COLOR.monoBackground));
    l.content(code, 'Code', () => {
      l.font('mono', SIZE.mono, COLOR.text);
      chunk.forEach((line, i) => {
        if (line) {
          l.doc.text(line, l.left + MONO_PAD, top + MONO_PAD + i * lineHeight, {
            lineBreak: false,
          });
        }
      });
    });
    l.y = top + height;
  }
  code.end();
  l.doc.x = l.left;
  l.gap(GAP.block);
}

const SIGN_ROW = 30;

export function signOffHeight(block: SignOffBlock): number {
  return block.fields.length * SIGN_ROW + 6;
}

/** One line to sign per field, the whole form on one page. */
export function renderSignOff(l: PdfLayout, parent: Struct, block: SignOffBlock): void {
  const labelWidth = 110;
  l.ensureSpace(signOffHeight(block));
  const form = l.struct(parent, 'Div');
  for (const field of block.fields) {
    const top = l.y;
    const baseline = top + SIGN_ROW - 6;
    const p = l.struct(form, 'P');
    l.content(p, 'P', () =>
      l
        .font('bold', SIZE.body)
        .text(l.clean(field, 'bold'), l.left, baseline - 11, { width: labelWidth - 8 }),
    );
    p.end();
    l.artifact(() =>
      l.doc
        .moveTo(l.left + labelWidth, baseline)
        .lineTo(l.left + l.width, baseline)
        .lineWidth(0.6)
        .stroke(COLOR.muted),
    );
    l.y = top + SIGN_ROW;
  }
  form.end();
  l.gap(GAP.block);
}
