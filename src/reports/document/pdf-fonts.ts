import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The embedded fonts: DejaVu from the `dejavu-fonts-ttf` package, never a standard-14 font, so
 * every glyph a reviewer sees is in the file (PDF/A, and the same look on every viewer).
 */
export type FontKind = 'sans' | 'bold' | 'mono';

const FILES: Record<FontKind, string> = {
  sans: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
};

const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The regular face's file: PDFDocument's `font` option, so pdfkit never loads Helvetica. */
export const SANS_PATH = join(FONT_DIR, FILES.sans);

/**
 * The names blocks select fonts by. The regular face is selected by its path, the key pdfkit
 * caches the constructor's font under: pdfkit 0.20 never caches a registered name whose font
 * equals one already open, so a registered "DejaVu Sans" would be parsed again on every
 * font() call (most of the render time of a long report).
 */
export const FONT_NAME: Record<FontKind, string> = {
  sans: SANS_PATH,
  bold: 'DejaVu Sans Bold',
  mono: 'DejaVu Sans Mono',
};

let cache: Record<'bold' | 'mono', Buffer> | undefined;

/** The bold and mono font files, read once per process. */
function fontData(): Record<'bold' | 'mono', Buffer> {
  cache ??= {
    bold: readFileSync(join(FONT_DIR, FILES.bold)),
    mono: readFileSync(join(FONT_DIR, FILES.mono)),
  };
  return cache;
}

export function registerFonts(doc: PDFKit.PDFDocument): void {
  const data = fontData();
  for (const kind of ['bold', 'mono'] as const) doc.registerFont(FONT_NAME[kind], data[kind]);
}
