import { FONT_NAME, FontKind } from './pdf-fonts';
import { coverText, GlyphCoverage, stripControls } from './pdf-text';
import { COLOR } from './pdf-theme';

type Doc = PDFKit.PDFDocument;
export type Struct = PDFKit.PDFStructureElement;

/** pdfkit's structure options; `scope` and `bbox` are in pdfkit 0.20, not in @types/pdfkit 0.17. */
export type StructOptions = PDFKit.Mixins.StructureElementOptions & {
  scope?: 'Row' | 'Column' | 'Both';
  /** Layout attributes of a Figure: its box in page coordinates (top-left origin). */
  bbox?: [number, number, number, number];
  placement?: 'Block' | 'Inline';
};

/** The fontkit font behind pdfkit's current font (internal, read for glyph coverage only). */
interface WithFontkit {
  _font?: { font?: Partial<GlyphCoverage> };
}

/**
 * The cursor and the helpers every block uses: the text column, page breaks, fonts with clean
 * text, and the tagged structure (each drawn text is marked content of a structure element;
 * rules, tints and bars are artifacts).
 */
export class PdfLayout {
  readonly left: number;
  readonly width: number;
  private readonly coverage = new Map<FontKind, GlyphCoverage | null>();

  constructor(readonly doc: Doc) {
    this.left = doc.page.margins.left;
    this.width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  }

  get y(): number {
    return this.doc.y;
  }

  set y(value: number) {
    this.doc.y = value;
  }

  get top(): number {
    return this.doc.page.margins.top;
  }

  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** The height of a page's text area: what one block can have at most. */
  get pageHeight(): number {
    return this.bottom - this.top;
  }

  get atPageTop(): boolean {
    return this.doc.y <= this.top + 0.5;
  }

  newPage(): void {
    // A colour set before the break went into the previous page's content: set it again, as
    // pdfkit's own line wrapper does when text flows onto a new page.
    const fill = (this.doc as unknown as { _fillColor?: [PDFKit.Mixins.ColorValue, number?] })
      ._fillColor;
    this.doc.addPage();
    if (fill) this.doc.fillColor(fill[0], fill[1]);
    this.doc.x = this.left;
  }

  /** Moves to a new page unless `height` fits below the cursor (or the page is still empty). */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom && !this.atPageTop) this.newPage();
  }

  gap(height: number): void {
    // A gap at the foot of a page is dropped, not carried over: the next page starts at the top.
    this.doc.y = Math.min(this.doc.y + height, this.bottom);
  }

  font(kind: FontKind, size: number, color: string = COLOR.text): Doc {
    return this.doc.font(FONT_NAME[kind]).fontSize(size).fillColor(color);
  }

  /** Text as the given font can draw it: controls stripped, missing glyphs replaced. */
  clean(text: string, kind: FontKind): string {
    const stripped = stripControls(text);
    const coverage = this.coverageOf(kind);
    return coverage ? coverText(stripped, coverage) : stripped;
  }

  private coverageOf(kind: FontKind): GlyphCoverage | null {
    if (!this.coverage.has(kind)) {
      const current = (this.doc as unknown as WithFontkit)._font;
      this.doc.font(FONT_NAME[kind]);
      const font = (this.doc as unknown as WithFontkit)._font?.font;
      // Without fontkit's API (a future pdfkit), text goes through unreplaced rather than fail.
      const coverage =
        typeof font?.hasGlyphForCodePoint === 'function' ? (font as GlyphCoverage) : null;
      this.coverage.set(kind, coverage);
      if (current) (this.doc as unknown as WithFontkit)._font = current;
    }
    return this.coverage.get(kind) ?? null;
  }

  /** A structure element under `parent`. */
  struct(parent: Struct, tag: string, options: StructOptions = {}): Struct {
    const element = this.doc.struct(tag, options);
    parent.add(element);
    return element;
  }

  /**
   * Draws text as marked content of `element`. `draw` may flow onto new pages through pdfkit
   * (which carries the marking over); it must not call newPage() itself.
   */
  content(element: Struct, tag: string, draw: () => void): void {
    const content = this.doc.markStructureContent(tag);
    draw();
    this.doc.endMarkedContent();
    element.add(content);
  }

  /** Draws decoration (rules, tints, bars) outside the structure tree. */
  artifact(draw: () => void, type: 'Layout' | 'Pagination' = 'Layout'): void {
    this.doc.markContent('Artifact', { type });
    draw();
    this.doc.endMarkedContent();
  }
}
