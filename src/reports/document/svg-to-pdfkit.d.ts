// svg-to-pdfkit 0.1.8 ships no types: the part of its API the PDF renderer uses.
declare module 'svg-to-pdfkit' {
  interface SvgToPdfOptions {
    /** Size of the viewport in points; the SVG's viewBox is fitted into it. */
    width?: number;
    height?: number;
    preserveAspectRatio?: string;
    /** Treat SVG user units as points rather than CSS pixels. */
    assumePt?: boolean;
    /** Maps an SVG font family to a font registered in the document. */
    fontCallback?: (
      family: string,
      bold: boolean,
      italic: boolean,
      options: { fauxBold: boolean; fauxItalic: boolean },
    ) => string;
    warningCallback?: (message: string) => void;
  }
  function SVGtoPDF(
    doc: PDFKit.PDFDocument,
    svg: string,
    x: number,
    y: number,
    options?: SvgToPdfOptions,
  ): void;
  export = SVGtoPDF;
}
