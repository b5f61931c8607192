import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDF_AUTHOR, renderPdf } from './pdf-renderer';
import {
  decisionEvidenceReport,
  FIXTURE_CREATED_AT,
  longReport,
  SAMPLE_SVG,
} from './report-document.fixture';
import type { ReportBlock, ReportDocument } from './report-document';

// The PDF is checked with the tools a reviewer's machine has (poppler-utils, qpdf), not by
// comparing bytes with a golden file: text, structure, fonts, attachments, outline.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pdf-renderer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function save(bytes: Buffer): string {
  const file = join(dir, `doc-${++counter}.pdf`);
  writeFileSync(file, bytes);
  return file;
}

function tool(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** pdftotext -layout, one string per page. */
function pages(file: string): string[] {
  return tool('pdftotext', ['-layout', file, '-']).split('\f').slice(0, -1);
}

function info(file: string): Record<string, string> {
  return Object.fromEntries(
    tool('pdfinfo', [file])
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

function expectInOrder(text: string, parts: string[]): void {
  let from = 0;
  for (const part of parts) {
    const at = text.indexOf(part, from);
    if (at < 0) throw new Error(`"${part}" not found after offset ${from}`);
    from = at + part.length;
  }
}

function docWith(blocks: ReportBlock[], extra: Partial<ReportDocument> = {}): ReportDocument {
  return { ...decisionEvidenceReport(), sections: [{ title: 'Only section', blocks }], ...extra };
}

describe('renderPdf', () => {
  let sample: string;
  let sampleBytes: Buffer;
  beforeAll(async () => {
    sampleBytes = await renderPdf(decisionEvidenceReport());
    sample = save(sampleBytes);
  });

  it('lays every block out, in order, with "Page N of M" and the footer on every page', () => {
    const text = pages(sample);
    expectInOrder(text.join('\n'), [
      'Decision evidence: generation',
      'Created 2025-03-14 09:26:53 UTC',
      'The record',
      'Record hash',
      'sha256:9f86d081',
      'What the model read',
      'troponin elevated',
      '−1 against',
      'Named concepts: 61% of the logit',
      'acute coronary syndrome',
      '34.0%',
      'forced',
      'Figure 1. Share of the logit by context chunk.',
      'A weak explanation',
      'Warning',
      'Named concepts explain only 12%',
      'Training data behind the concepts',
      'Chunks ranked by their share',
      'Explanation',
      '1.',
      '[chunks[0].concepts.known[0].share]',
      'Verification',
      'checkpoint: clinical-lm-1.4.2/step-48000',
      'Signature',
    ]);
    text.forEach((page, i) => {
      expect(page).toContain(`Page ${i + 1} of ${text.length}`);
      expect(page).toContain('Report rpt_01HQ80AB12');
    });
  });

  it('right-aligns numeric table columns', () => {
    const line = pages(sample)
      .join('\n')
      .split('\n')
      .find((l) => l.includes('c2 '))!;
    expect(line).toMatch(/26\.6%\s+1,822\s*$/);
  });

  it('writes the document info, A4 pages, tagging and PDF/A identification', () => {
    const meta = info(sample);
    expect(meta.Title).toBe('Decision evidence: generation rec_01HQ7Z3K9M');
    expect(meta.Author).toBe(PDF_AUTHOR);
    expect(meta.Keywords).toBe('decision evidence, attribution, rec_01HQ7Z3K9M, triage');
    expect(meta.Tagged).toBe('yes');
    expect(meta.CreationDate).toBe('Fri Mar 14 09:26:53 2025 UTC');
    expect(meta.ModDate).toBe(meta.CreationDate);
    expect(meta['Page size']).toContain('(A4)');
    expect(Number(meta.Pages)).toBe(pages(sample).length);
    const raw = sampleBytes.toString('latin1');
    expect(raw).toContain('/DisplayDocTitle true');
    expect(raw).toContain('/Lang (en)');
    expect(raw).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(raw).toContain('<xmp:ModifyDate>2025-03-14T09:26:53Z</xmp:ModifyDate>');
  });

  it('embeds every font, all DejaVu, never a standard-14 font', () => {
    const rows = tool('pdffonts', [sample]).trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row).toMatch(/\+DejaVuSans(-Bold|Mono)?\s/);
      expect(row).toMatch(/ yes yes yes /);
    }
    expect(sampleBytes.toString('latin1')).not.toMatch(/Helvetica|Times-Roman|Courier/);
  });

  it('embeds the attachments as associated files with their exact bytes', () => {
    const report = decisionEvidenceReport();
    expect(tool('pdfdetach', ['-list', sample])).toMatch(/2 embedded files[\s\S]*report\.json/);
    for (const attachment of report.attachments) {
      const out = join(dir, `out-${attachment.name}`);
      tool('pdfdetach', ['-savefile', attachment.name, '-o', out, sample]);
      expect(readFileSync(out).equals(attachment.content)).toBe(true);
    }
    const first = join(dir, 'first');
    tool('pdfdetach', ['-save', '1', '-o', first, sample]);
    expect(readFileSync(first).equals(report.attachments[0].content)).toBe(true);
    const raw = sampleBytes.toString('latin1');
    expect(raw).toContain('/AFRelationship /Data');
    expect(raw).toContain('/Subtype /application#2Fjson');
  });

  it('passes qpdf --check', () => {
    expect(tool('qpdf', ['--check', sample])).toContain('No syntax or stream encoding errors');
  });

  it('bookmarks every section and child section on its page', () => {
    const json = JSON.parse(tool('qpdf', ['--json', '--json-key=outlines', sample])) as {
      outlines: { title: string; destpageposfrom1: number; kids: { title: string }[] }[];
    };
    expect(json.outlines.map((o) => o.title)).toEqual([
      'The record',
      'What the model read',
      'Training data behind the concepts',
      'Explanation',
      'Verification',
    ]);
    expect(json.outlines[1].kids.map((k) => k.title)).toEqual(['A weak explanation']);
    const training = json.outlines[2].destpageposfrom1;
    expect(pages(sample)[training - 1]).toContain('Training data behind the concepts');
  });

  it('tags headings, paragraphs, tables, lists and the figure with its alt text', () => {
    const tree = tool('pdfinfo', ['-struct', sample]);
    for (const tag of ['Document', 'H1', 'Sect "The record"', 'H2', 'H3', 'H4', 'P', 'Table']) {
      expect(tree).toContain(tag);
    }
    for (const tag of ['TH', '/Scope /Column', '/Scope /Row', 'TD', 'L ', 'LI', 'Lbl', 'LBody']) {
      expect(tree).toContain(tag);
    }
    expect(tree).toContain('Figure');
    expect(tree).toContain('Caption');
    expect(tree).toContain('Code');
    const objects = tool('qpdf', ['--json', '--json-key=qpdf', sample]);
    expect(objects).toContain('"/Alt": "u:Bar chart: chunk 0 48%, chunk 1 31%');
  });

  it('gives the same bytes for the same document, other bytes for another date', async () => {
    const again = await renderPdf(decisionEvidenceReport());
    expect(again.equals(sampleBytes)).toBe(true);
    const later = decisionEvidenceReport();
    later.meta.createdAt = new Date(FIXTURE_CREATED_AT.getTime() + 1000);
    expect((await renderPdf(later)).equals(sampleBytes)).toBe(false);
  });

  it('repeats the table header on each page a table continues on', async () => {
    const rows = Array.from({ length: 120 }, (_, i) => [`row ${i}`, `${i * 3}`]);
    const file = save(
      await renderPdf(
        docWith([{ type: 'table', columns: [{ header: 'Item' }, { header: 'Count' }], rows }]),
      ),
    );
    const text = pages(file);
    expect(text.length).toBeGreaterThanOrEqual(3);
    for (const page of text) expect(page).toMatch(/^\s*Item\s+Count\s*$/m);
    expect(text.join('\n')).toContain('row 119');
    // No row is lost or drawn twice.
    expect(text.join('\n').match(/row \d+ /g)).toHaveLength(120);
  });

  it('wraps long monospaced lines hard, keeping every character and every newline', async () => {
    const hash = Array.from({ length: 300 }, (_, i) => '0123456789abcdef'[(i * 7) % 16]).join('');
    const file = save(
      await renderPdf(docWith([{ type: 'mono', text: `first line\n${hash}\n\n  last` }])),
    );
    const lines = pages(file)[0]
      .split('\n')
      .map((l) => l.trim());
    const start = lines.indexOf('first line');
    expect(start).toBeGreaterThan(0);
    const wrapped = lines.slice(start + 1, start + 5);
    expect(wrapped.join('')).toBe(hash);
    expect(wrapped.every((l) => l.length < 120)).toBe(true);
    expect(lines[start + 5]).toBe('');
    expect(lines[start + 6]).toBe('last');
  });

  it('never leaves a heading alone at a page foot, even above a small heading; never splits a chart or a short mono block', async () => {
    for (let filler = 36; filler <= 72; filler += 2) {
      const blocks: ReportBlock[] = Array.from({ length: filler }, (_, i) => ({
        type: 'paragraph',
        text: `Filler line ${i}.`,
      }));
      const file = save(
        await renderPdf({
          ...docWith(blocks),
          sections: [
            { title: 'Filler', blocks },
            {
              title: 'Chained heading',
              blocks: [
                { type: 'paragraph', style: 'heading', text: 'Small heading' },
                {
                  type: 'mono',
                  text: Array.from({ length: 13 }, (_, i) => `mono line ${i}`).join('\n'),
                },
              ],
            },
            {
              title: 'Kept heading',
              blocks: [
                { type: 'paragraph', text: 'First words after the heading.' },
                {
                  type: 'chart',
                  svg: SAMPLE_SVG,
                  width: 400,
                  height: 160,
                  alt: 'c',
                  caption: 'Cap.',
                },
              ],
            },
          ],
        }),
      );
      const text = pages(file);
      const headingPage = text.findIndex((p) => p.includes('Kept heading'));
      expect(text[headingPage]).toContain('First words after the heading.');
      const notePage = text.findIndex((p) => p.includes('Chained heading'));
      expect(text[notePage]).toContain('Small heading');
      expect(text[notePage]).toContain('mono line 12');
      const chartPage = text.findIndex((p) => p.includes('Attribution by chunk'));
      expect(text[chartPage]).toContain('chunk 2');
      expect(text[chartPage]).toContain('Cap.');
    }
  });

  it('draws any Unicode without throwing: controls stripped, missing glyphs replaced', async () => {
    const wild =
      'Zoë café — 中文 😀👍🏽 שלום مرحبا \u0000\u0007\u001b[31m\u202e x\ud800 e\u0301 <&>"\'';
    const blocks: ReportBlock[] = [
      { type: 'paragraph', text: wild },
      { type: 'paragraph', style: 'warning', text: wild },
      { type: 'keyValues', rows: [[wild, wild]] },
      { type: 'table', columns: [{ header: wild }], rows: [[wild], []], caption: wild },
      {
        type: 'heatText',
        runs: [
          { text: wild, weight: 0.4 },
          { text: 'y'.repeat(200), weight: -1 },
        ],
        legend: wild,
      },
      {
        type: 'conceptBars',
        summary: wild,
        warning: wild,
        bars: [{ label: wild, share: 2, kind: 'named', forced: true }],
      },
      { type: 'statements', items: [{ text: wild, cites: [wild] }] },
      { type: 'mono', text: wild },
      { type: 'signOff', fields: [wild] },
      {
        type: 'chart',
        svg: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><text>${'中'}</text><broken`,
        width: 0,
        height: 0,
        alt: wild,
      },
    ];
    const doc = docWith(blocks);
    doc.meta.title = `Title & ${wild}`;
    doc.meta.footer = wild;
    const bytes = await renderPdf(doc);
    const file = save(bytes);
    expect(tool('qpdf', ['--check', file])).toContain('No syntax or stream encoding errors');
    const text = pages(file).join('\n');
    expect(text).toContain('Zoë café');
    expect(text).toContain('\ufffd'); // CJK has no DejaVu glyph
    // eslint-disable-next-line no-control-regex -- asserting that no control character is left
    expect(text).not.toMatch(/[\u0000-\u0008\u000b\u001b]/);
    expect(info(file).Title).toContain('Title & Zoë café — 中文');
    // The XMP packet stays well-formed XML.
    const xmp = bytes.toString('utf8').match(/<x:xmpmeta[\s\S]*<\/x:xmpmeta>/)![0];
    expect(xmp).toContain('Title &amp; Zoë café');
    expect(xmp).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
  });

  it('renders a 100-page report in a few seconds', async () => {
    const started = Date.now();
    const file = save(await renderPdf(longReport(330)));
    const elapsed = Date.now() - started;
    expect(Number(info(file).Pages)).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(15_000);
  }, 60_000);
});
