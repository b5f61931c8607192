/**
 * Text hygiene for the PDF: user data (prompts, outputs, names) may hold any Unicode. Control
 * characters are stripped, and characters the embedded DejaVu font has no glyph for (CJK, most
 * scripts DejaVu lacks) become U+FFFD, so no .notdef glyph is ever drawn: an invisible gap would
 * hide that something was there, and PDF/A forbids referencing .notdef. The exact text is always
 * in the report's attached JSON.
 */

/** C0 controls except newline and tab, DEL, C1 controls, lone surrogates. */
const CONTROL =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Bidi embedding and isolate controls: pdfkit lays out no bidi, so they would only add boxes. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

export const REPLACEMENT = '\ufffd';

/** Newlines kept (\r\n and \r become \n), tabs as spaces, controls removed. */
export function stripControls(text: string, tabSize = 4): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' '.repeat(tabSize))
    .replace(CONTROL, '')
    .replace(BIDI_CONTROLS, '');
}

/** The glyph coverage of one embedded font (fontkit's hasGlyphForCodePoint). */
export interface GlyphCoverage {
  hasGlyphForCodePoint(codePoint: number): boolean;
}

/**
 * Replaces what a font cannot draw. Variation selectors and zero-width joiners without a glyph
 * are dropped rather than replaced, so an emoji with its selector gives one mark, not two.
 */
export function coverText(text: string, font: GlyphCoverage, fallback = REPLACEMENT): string {
  let out = '';
  let changed = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0x0a || cp === 0x20 || font.hasGlyphForCodePoint(cp)) {
      out += ch;
      continue;
    }
    changed = true;
    if (!isDefaultIgnorable(cp)) out += fallback;
  }
  return changed ? out : text;
}

function isDefaultIgnorable(cp: number): boolean {
  return (
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    (cp >= 0xe0000 && cp <= 0xe0fff) ||
    cp === 0xfeff ||
    cp === 0x00ad
  );
}

/**
 * Splits a line into pieces no wider than `columns` characters (by code point): hashes and
 * base64 have no spaces, so a monospaced block breaks them hard rather than clip them.
 */
export function hardWrap(line: string, columns: number): string[] {
  const chars = Array.from(line);
  if (chars.length <= columns) return [line];
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += columns) pieces.push(chars.slice(i, i + columns).join(''));
  return pieces;
}

/** Text for XML (the XMP metadata packet). */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
