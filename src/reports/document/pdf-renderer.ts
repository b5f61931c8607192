import PDFDocument from 'pdfkit';
import { chartLeadHeight, renderChart, renderConceptBars } from './pdf-figures';
import { registerFonts, SANS_PATH } from './pdf-fonts';
import { renderHeatText } from './pdf-heat-text';
import { PdfLayout, Struct } from './pdf-layout';
import { renderTable } from './pdf-table';
import {
  monoLeadHeight,
  renderHeading,
  renderKeyValues,
  renderMono,
  renderParagraph,
  renderSignOff,
  renderStatements,
  signOffHeight,
} from './pdf-text-blocks';
import { escapeXml, stripControls } from './pdf-text';
import { COLOR, PAGE, SIZE } from './pdf-theme';
import type { ReportBlock, ReportDocument, ReportSection } from './report-document';

export const PDF_AUTHOR = 'interpretable-audit';
export const PDF_CREATOR = 'interpretable-audit report renderer';
/** Fixed, so the bytes depend on the report only (pdfkit would write "PDFKit"). */
export const PDF_PRODUCER = 'interpretable-audit (pdfkit 0.20)';

/** pdfkit's `file()` options in 0.20; @types/pdfkit 0.17 lacks `relationship`. */
interface AttachmentOptions extends PDFKit.Mixins.PDFAttachmentOptions {
  relationship: 'Source' | 'Data' | 'Alternative' | 'Supplement' | 'Unspecified';
}

/**
 * Renders a report to PDF bytes: A4, DejaVu fonts embedded, bookmarks per section, tagged,
 * PDF/A-3b with the attachments as associated files. The same document always gives the same
 * bytes: every date in the file is meta.createdAt, and pdfkit derives the file /ID from the
 * document info (dates included), never from the clock or a random source.
 */
export async function renderPdf(doc: ReportDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: PAGE.size,
    margins: { ...PAGE.margins },
    bufferPages: true,
    // The first page is created in the constructor: with this option its font is DejaVu, so
    // pdfkit never registers Helvetica.
    font: SANS_PATH,
    pdfVersion: '1.7',
    subset: 'PDF/A-3b',
    tagged: true,
    lang: 'en',
    displayTitle: true,
    info: {
      Title: clean(doc.meta.title),
      Subject: clean(doc.meta.subject),
      Keywords: doc.meta.keywords.map(clean).join(', '),
      Author: PDF_AUTHOR,
      Creator: PDF_CREATOR,
      Producer: PDF_PRODUCER,
      CreationDate: doc.meta.createdAt,
      ModDate: doc.meta.createdAt,
    },
  });
  const bytes = collect(pdf);
  writeXmp(pdf);
  registerFonts(pdf);
  const layout = new PdfLayout(pdf);
  const root = pdf.struct('Document', { title: clean(doc.meta.title) });
  pdf.addStructure(root);

  renderTitle(layout, root, doc);
  doc.sections.forEach((section, index) =>
    renderSection(layout, root, section, 1, pdf.outline, index === 0),
  );
  for (const attachment of doc.attachments) {
    const options: AttachmentOptions = {
      name: clean(attachment.name),
      type: attachment.mimeType,
      description: clean(attachment.description),
      creationDate: doc.meta.createdAt,
      modifiedDate: doc.meta.createdAt,
      relationship: 'Data',
    };
    pdf.file(attachment.content, options);
  }
  writeFooters(layout, clean(doc.meta.footer));
  root.end();
  pdf.end();
  return bytes;
}

function collect(pdf: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
}

/** For the document info and bookmarks, where no glyph is drawn: controls out, one line. */
function clean(text: string): string {
  return stripControls(text).replace(/\s+/g, ' ').trim();
}

/**
 * The XMP packet written in place of pdfkit's: pdfkit 0.20 puts the info values into the XML
 * unescaped (a title with "&" breaks the packet) and leaves out xmp:ModifyDate, which PDF/A
 * needs to match the info /ModDate.
 */
function writeXmp(pdf: PDFKit.PDFDocument): void {
  const target = pdf as unknown as { _addInfo: () => void };
  target._addInfo = () => {
    const info = pdf.info;
    const date = (info.CreationDate ?? new Date(0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const text = (value: string | undefined) => escapeXml(value ?? '');
    pdf.appendXML(`
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
            <xmp:CreateDate>${date}</xmp:CreateDate>
            <xmp:ModifyDate>${date}</xmp:ModifyDate>
            <xmp:MetadataDate>${date}</xmp:MetadataDate>
            <xmp:CreatorTool>${text(info.Creator)}</xmp:CreatorTool>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <dc:format>application/pdf</dc:format>
            <dc:title><rdf:Alt><rdf:li xml:lang="x-default">${text(info.Title)}</rdf:li></rdf:Alt></dc:title>
            <dc:creator><rdf:Seq><rdf:li>${text(info.Author)}</rdf:li></rdf:Seq></dc:creator>
            <dc:description><rdf:Alt><rdf:li xml:lang="x-default">${text(info.Subject)}</rdf:li></rdf:Alt></dc:description>
        </rdf:Description>
        <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
            <pdf:Producer>${text(info.Producer)}</pdf:Producer>
            <pdf:Keywords>${text(info.Keywords)}</pdf:Keywords>
        </rdf:Description>
        `);
  };
}

function renderTitle(l: PdfLayout, root: Struct, doc: ReportDocument): void {
  const title = l.clean(doc.meta.title, 'bold');
  const h1 = l.struct(root, 'H1');
  l.content(h1, 'H1', () =>
    l.font('bold', SIZE.title, COLOR.heading).text(title, l.left, l.y, { width: l.width }),
  );
  h1.end();
  l.gap(4);
  const p = l.struct(root, 'P');
  const subject = l.clean(doc.meta.subject, 'sans');
  const created = `Created ${doc.meta.createdAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC')}`;
  l.content(p, 'P', () => {
    if (subject) {
      l.font('sans', SIZE.subtitle, COLOR.muted).text(subject, l.left, l.y, { width: l.width });
      l.gap(2);
    }
    l.font('sans', SIZE.note, COLOR.muted).text(created, l.left, l.y, { width: l.width });
  });
  p.end();
  l.gap(8);
  const y = l.y;
  l.artifact(() =>
    l.doc
      .moveTo(l.left, y)
      .lineTo(l.left + l.width, y)
      .lineWidth(1.2)
      .stroke(COLOR.heading),
  );
  l.gap(16);
}

function renderSection(
  l: PdfLayout,
  parent: Struct,
  section: ReportSection,
  level: 1 | 2,
  outline: PDFKit.PDFOutline,
  first: boolean,
): void {
  if (section.newPage && !first && !l.atPageTop) l.newPage();
  else if (!l.atPageTop && !first) l.gap(level === 1 ? 8 : 4);
  const sect = l.struct(parent, 'Sect', { title: clean(section.title) });
  const tag = level === 1 ? 'H2' : 'H3';
  const size = level === 1 ? SIZE.h1 : SIZE.h2;
  renderHeading(l, sect, tag, section.title, size, keepHeight(l, section.blocks, 0));
  // The bookmark points at the page the heading landed on.
  const item = outline.addItem(clean(section.title) || 'Untitled section');
  section.blocks.forEach((block, index) => {
    if (block.type === 'paragraph' && block.style === 'heading') {
      renderHeading(l, sect, 'H4', block.text, SIZE.h3, keepHeight(l, section.blocks, index + 1));
    } else {
      renderBlock(l, sect, block);
    }
  });
  for (const child of section.children ?? []) renderSection(l, sect, child, 2, item, false);
  sect.end();
}

/**
 * How much room a heading keeps below itself: what the next block needs to start there (all of
 * a chart, a sign-off form or a short mono block, which are never split, and through a small
 * heading to the block under it; a few lines otherwise).
 */
function keepHeight(l: PdfLayout, blocks: ReportBlock[], index: number): number {
  const lines = 60;
  const next = blocks[index] as ReportBlock | undefined;
  if (!next) return lines;
  const needed =
    next.type === 'paragraph' && next.style === 'heading'
      ? 24 + keepHeight(l, blocks, index + 1)
      : next.type === 'chart'
        ? chartLeadHeight(l, next)
        : next.type === 'mono'
          ? monoLeadHeight(l, next)
          : next.type === 'signOff'
            ? signOffHeight(next)
            : lines;
  // A heading plus a block taller than a page cannot be kept together: keep a few lines then.
  return needed + 40 > l.pageHeight ? lines : Math.max(lines, needed);
}

function renderBlock(l: PdfLayout, parent: Struct, block: ReportBlock): void {
  switch (block.type) {
    case 'paragraph':
      return renderParagraph(l, parent, block);
    case 'keyValues':
      return renderKeyValues(l, parent, block);
    case 'table':
      return renderTable(l, parent, block);
    case 'chart':
      return renderChart(l, parent, block);
    case 'heatText':
      return renderHeatText(l, parent, block);
    case 'conceptBars':
      return renderConceptBars(l, parent, block);
    case 'statements':
      return renderStatements(l, parent, block);
    case 'mono':
      return renderMono(l, parent, block);
    case 'signOff':
      return renderSignOff(l, parent, block);
  }
}

/**
 * "Page N of M" and the report's footer line on every page, written once the page count is
 * known. The bottom margin is lifted while writing: text below it would make pdfkit add a page.
 */
function writeFooters(l: PdfLayout, footer: string): void {
  const pdf = l.doc;
  const range = pdf.bufferedPageRange();
  const total = range.count;
  const footerText = l.clean(footer, 'sans');
  for (let i = 0; i < total; i++) {
    pdf.switchToPage(range.start + i);
    const margins = pdf.page.margins;
    const bottom = margins.bottom;
    margins.bottom = 0;
    const y = pdf.page.height - PAGE.footerY;
    const pageText = `Page ${i + 1} of ${total}`;
    l.artifact(() => {
      pdf
        .moveTo(l.left, y - 6)
        .lineTo(l.left + l.width, y - 6)
        .lineWidth(0.4)
        .stroke(COLOR.rule);
      l.font('sans', SIZE.footer, COLOR.muted);
      const pageWidth = pdf.widthOfString(pageText);
      pdf.text(pageText, l.left + l.width - pageWidth, y, { lineBreak: false });
      pdf.text(footerText, l.left, y, {
        width: l.width - pageWidth - 16,
        height: pdf.currentLineHeight(true),
        ellipsis: true,
      });
    }, 'Pagination');
    margins.bottom = bottom;
  }
}
