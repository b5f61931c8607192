import { PdfLayout, Struct } from './pdf-layout';
import { COLOR, GAP, SIZE } from './pdf-theme';
import type { HeatTextBlock } from './report-document';

type Rgb = [number, number, number];

/** The strongest tint (at |weight| = 1) mixes this much of the hue into white. */
const MAX_TINT = 0.6;

/** The background of a run: white to the hue of its sign, by |weight|; null when untinted. */
export function heatColor(weight: number | null): Rgb | null {
  if (weight === null || !Number.isFinite(weight)) return null;
  const amount = Math.min(1, Math.abs(weight)) * MAX_TINT;
  if (amount < 0.02) return null;
  const hue = weight > 0 ? COLOR.heatPositive : COLOR.heatNegative;
  return hue.map((c) => Math.round(255 + (c - 255) * amount)) as Rgb;
}

interface Piece {
  text: string;
  weight: number | null;
}

/** A word that may span runs (sub-word tokens) and the spaces after it: never split. */
interface Group {
  pieces: Piece[];
  trailing: string;
  /** Newlines after the group: forced line breaks. */
  breaks: number;
}

/** Groups runs into unbreakable words; lines may break only between groups. */
export function groupRuns(runs: Piece[]): Group[] {
  const groups: Group[] = [];
  let current: Group | null = null;
  for (const run of runs) {
    for (const part of run.text.split(/(\s+)/)) {
      if (part === '') continue;
      if (/^\s+$/.test(part)) {
        if (!current) {
          current = { pieces: [], trailing: '', breaks: 0 };
          groups.push(current);
        }
        const breaks = part.split('\n').length - 1;
        current.breaks += breaks;
        current.trailing += breaks > 0 ? '' : part;
        continue;
      }
      if (!current || current.trailing !== '' || current.breaks > 0) {
        current = { pieces: [], trailing: '', breaks: 0 };
        groups.push(current);
      }
      current.pieces.push({ text: part, weight: run.weight });
    }
  }
  return groups;
}

interface Placed {
  text: string;
  weight: number | null;
  x: number;
  width: number;
}

/** Lays the groups out in lines of `width`; a word wider than a line is split by characters. */
function layoutLines(l: PdfLayout, groups: Group[], width: number): Placed[][] {
  const measure = (text: string) => l.doc.widthOfString(text);
  const lines: Placed[][] = [[]];
  let x = 0;
  const newLine = () => {
    lines.push([]);
    x = 0;
  };
  for (const group of groups) {
    const pieces = group.pieces.map((p) => ({ ...p, width: measure(p.text) }));
    const wordWidth = pieces.reduce((sum, p) => sum + p.width, 0);
    if (x > 0 && x + wordWidth > width) newLine();
    for (const p of wordWidth > width ? splitPieces(pieces, width, measure) : pieces) {
      if (p === null) {
        newLine();
        continue;
      }
      lines[lines.length - 1].push({ text: p.text, weight: p.weight, x, width: p.width });
      x += p.width;
    }
    if (group.trailing) {
      const spaceWidth = measure(group.trailing);
      lines[lines.length - 1].push({ text: group.trailing, weight: null, x, width: spaceWidth });
      x += spaceWidth;
    }
    for (let i = 0; i < group.breaks; i++) newLine();
  }
  if (lines[lines.length - 1].length === 0 && lines.length > 1) lines.pop();
  return lines;
}

/** Breaks an over-long word into line-wide pieces (null marks a line break). */
function splitPieces(
  pieces: (Piece & { width: number })[],
  width: number,
  measure: (text: string) => number,
): ((Piece & { width: number }) | null)[] {
  const out: ((Piece & { width: number }) | null)[] = [];
  let used = 0;
  for (const piece of pieces) {
    let chunk = '';
    for (const ch of piece.text) {
      const w = measure(chunk + ch);
      if (used + w > width && (chunk !== '' || used > 0)) {
        if (chunk) out.push({ text: chunk, weight: piece.weight, width: measure(chunk) });
        out.push(null);
        used = 0;
        chunk = ch;
      } else {
        chunk += ch;
      }
    }
    if (chunk) {
      const w = measure(chunk);
      out.push({ text: chunk, weight: piece.weight, width: w });
      used += w;
    }
  }
  return out;
}

/**
 * The context heat map: text flowing word by word, each weighted run on a tint of its sign's hue
 * (blue for, orange against), stronger by |weight|; the legend and a colour scale under it.
 */
export function renderHeatText(l: PdfLayout, parent: Struct, block: HeatTextBlock): void {
  l.font('sans', SIZE.body);
  const runs = block.runs.map((run) => ({ text: l.clean(run.text, 'sans'), weight: run.weight }));
  const lines = layoutLines(l, groupRuns(runs), l.width);
  const lineHeight = l.doc.currentLineHeight(true) + 4;
  l.ensureSpace(Math.min(lines.length, 3) * lineHeight);
  const p = l.struct(parent, 'P');
  for (const line of lines) {
    if (l.y + lineHeight > l.bottom) l.newPage();
    const top = l.y;
    l.artifact(() => {
      for (const item of line) {
        const tint = heatColor(item.weight);
        if (!tint) continue;
        l.doc.rect(l.left + item.x - 0.5, top, item.width + 1, lineHeight - 1).fill(tint);
      }
    });
    const text = line.map((item) => item.text).join('');
    if (text.trim()) {
      l.content(p, 'P', () =>
        l.font('sans', SIZE.body, COLOR.text).text(text, l.left, top + 2, { lineBreak: false }),
      );
    }
    l.y = top + lineHeight;
  }
  p.end();
  l.gap(4);
  renderLegend(l, parent, block.legend);
}

const SWATCH = { width: 14, height: 8, steps: 11 };

function renderLegend(l: PdfLayout, parent: Struct, legend: string): void {
  const clean = l.clean(legend, 'sans');
  l.font('sans', SIZE.note, COLOR.muted);
  const options = { width: l.width };
  const textHeight = clean ? l.doc.heightOfString(clean, options) : 0;
  const scaleHeight = SWATCH.height + 6;
  l.ensureSpace(textHeight + scaleHeight);
  const caption = l.struct(parent, 'Caption');
  if (clean) l.content(caption, 'Caption', () => l.doc.text(clean, l.left, l.y, options));
  const top = l.y + 3;
  const against = '−1 against';
  const forText = '+1 for';
  const scaleX = l.left + l.doc.widthOfString(against) + 6;
  l.content(caption, 'Caption', () => {
    l.font('sans', SIZE.note, COLOR.muted).text(against, l.left, top, { lineBreak: false });
    const end = scaleX + SWATCH.steps * SWATCH.width + 6;
    l.doc.text(forText, end, top, { lineBreak: false });
  });
  l.artifact(() => {
    for (let i = 0; i < SWATCH.steps; i++) {
      const weight = -1 + (2 * i) / (SWATCH.steps - 1);
      const x = scaleX + i * SWATCH.width;
      const tint = heatColor(weight);
      if (tint) l.doc.rect(x, top, SWATCH.width, SWATCH.height).fill(tint);
      else l.doc.rect(x, top, SWATCH.width, SWATCH.height).lineWidth(0.4).stroke(COLOR.rule);
    }
  });
  caption.end();
  l.y = top + scaleHeight;
  l.doc.x = l.left;
  l.gap(GAP.block);
}
