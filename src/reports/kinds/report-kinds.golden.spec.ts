import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBody } from 'src/evidence-format/record-body';
import { ReportDocument, ReportSection } from 'src/reports/document/report-document';
import { renderPdf } from 'src/reports/document/pdf-renderer';
import {
  BASE_RATES,
  CONCEPTS,
  creditInput,
  erasedTriageInput,
  withDetections,
} from 'src/reports/explanation/explanation.fixtures';
import { loadRegulatoryMapping } from 'src/reports/explanation/regulatory-mapping';
import { CardInput, decisionCard, DecisionCard } from 'src/reports/kinds/decision-card';
import { bucketUnitFor, PeriodAggregate } from 'src/reports/kinds/period-aggregate';
import { periodAuditSections } from 'src/reports/kinds/period-audit';
import { recordReportSections } from 'src/reports/kinds/record-reports';
import { CHART_WIDTH, ReportContext } from 'src/reports/kinds/report-context';
import { loadLayout } from 'src/reports/kinds/report-layout';
import { ModelReference } from 'src/reports/sources/model-references';
import { ReportKind } from 'src/evidence-format/evidence-package';

// Golden tests of the three report kinds: each is composed from fixed records (the explanation
// fixtures), rendered to PDF, and read back as a reviewer's tools read it: the text pdftotext
// extracts, compared line by line with the golden file beside this test, and the structure
// (page count, bookmarks) qpdf reports. A deliberate change rewrites the goldens:
// UPDATE_GOLDEN=1 npx jest src/reports/kinds/report-kinds.golden --selectProjects small

const GOLDEN_DIR = join(__dirname, 'golden');
const REQUESTED_AT = new Date('2026-03-05T10:00:00.000Z');
const KID = 'Qn1uQ1k0yF3Cw9xT0b2Nn8g5mZsXoR4vPq7LdE6aJhU';
const CHECKPOINT = [
  'audit.example/tenants/4f1c2b7e-8a90-4d3e-b5c6-7d8e9f0a1b2c',
  '1900',
  'k3PBe0y6mEJ4Gd6Ij8oZ3wNaXb3qv0F5Tn2PZq4c7sA=',
  '',
  '— audit.example/tenants/4f1c2b7e-8a90-4d3e-b5c6-7d8e9f0a1b2c 3q2+7wAAAAB3aWxsIG5ldmVyIGJlIHZlcmlmaWVkIGhlcmU=',
  '',
].join('\n');

const TRAINING_TEXT: Record<string, string> = {};

function model(): ModelReference {
  return {
    name: 'audit-lm-full',
    version: '1.1.0',
    manifestSha256: 'a'.repeat(64),
    concepts: CONCEPTS,
    baseRates: BASE_RATES,
    manifestBytes: Buffer.from('{}'),
    cardBytes: Buffer.from('# card'),
    chunkText: (chunk) => TRAINING_TEXT[chunk] ?? null,
  };
}

function context(kind: ReportKind, scope: ReportContext['scope']): ReportContext {
  return {
    id: '6b0e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
    kind,
    scope,
    requestedAt: REQUESTED_AT,
    requestedBy: {
      userId: '9d8c7b6a-5f4e-4d3c-8b2a-190817263544',
      role: 'compliance_officer',
      name: 'j.moreau@bank.example',
    },
    tenantId: '4f1c2b7e-8a90-4d3e-b5c6-7d8e9f0a1b2c',
    origin: 'audit.example/tenants/4f1c2b7e-8a90-4d3e-b5c6-7d8e9f0a1b2c',
    checkpoint: {
      size: 1900,
      root: 'k3PBe0y6mEJ4Gd6Ij8oZ3wNaXb3qv0F5Tn2PZq4c7sA=',
      note: CHECKPOINT,
    },
    keys: [{ kid: KID, validFrom: '2026-01-01T00:00:00.000Z', validUntil: null }],
    generator: { name: 'interpretable-audit', version: '0.1.0' },
    previous: null,
  };
}

/**
 * A card input from an explanation fixture: the prompt cut into tokens at spaces, and each
 * chunk's context effects placed on the tokens of the fixture's words, so the heat map shows
 * what the explanation says.
 */
function cardInput(fixture: ReturnType<typeof creditInput>, body: RecordBody): CardInput {
  const text = fixture.text;
  const tokens = text ? text.prompt.split(/(?= )/) : [];
  const starts: number[] = [];
  tokens.reduce((offset, token) => (starts.push(offset), offset + token.length), 0);
  const positionOf = (start: number) => starts.findLastIndex((s) => s <= start);
  const chunks = body.chunks.map((chunk, c) => ({
    ...chunk,
    context: {
      ...chunk.context,
      effects: (fixture.contextWords?.[c] ?? []).map((w) => ({
        position: positionOf(w.start),
        logit: w.effect,
        logProb: w.effect,
      })),
    },
  }));
  return {
    body: { ...body, chunks },
    entry: {
      body: {},
      leafHash: 'bGVhZiBoYXNoIG9mIHRoZSBmaXh0dXJlIHJlY29yZCE=',
      signature: 'c2ln',
      keyId: KID,
    },
    text: text ? { ...text, promptSalt: '00', outputSalt: '00', promptTokens: tokens } : null,
    related: fixture.reviews.map((r, i) => ({
      body: {
        kind: 'review',
        type: 'review',
        verdict: r.verdict,
        note: r.note,
        time: r.time,
        logIndex: body.logIndex + 1 + i,
        by: { userId: '9d8c7b6a-5f4e-4d3c-8b2a-190817263544', role: 'compliance_officer' },
      },
      leafHash: '',
      signature: '',
      keyId: KID,
    })),
    model: model(),
    verification: {
      signature: { ok: true, detail: `Ed25519 over SHA-256(0x00 ‖ canonical body), key ${KID}` },
      inclusion: { ok: true, detail: `index ${body.logIndex} in the checkpoint of size 1900` },
    },
    people: new Map([['9d8c7b6a-5f4e-4d3c-8b2a-190817263544', 'j.moreau@bank.example']]),
  };
}

/** The credit record as the runtime writes it today: employment not detected in any chunk. */
const UNDETECTED_EMPLOYMENT = { 'finance.employment': [0.2, 0.3, 0.1] };

async function credit(): Promise<DecisionCard> {
  const fixture = withDetections(creditInput(), UNDETECTED_EMPLOYMENT);
  return decisionCard(cardInput(fixture, fixture.body), CHART_WIDTH);
}

async function erased(): Promise<DecisionCard> {
  const fixture = erasedTriageInput();
  return decisionCard(cardInput(fixture, fixture.body), CHART_WIDTH);
}

function doc(kind: ReportKind, sections: ReportSection[]): ReportDocument {
  const layout = loadLayout(kind);
  return {
    meta: {
      title: layout.title,
      subject: layout.subject,
      keywords: ['audit', kind],
      createdAt: REQUESTED_AT,
      footer: `${layout.title} golden`,
    },
    attachments: [
      {
        name: 'report.json',
        description: 'data',
        mimeType: 'application/json',
        content: Buffer.from('{}'),
      },
    ],
    sections,
  };
}

async function build(kind: ReportKind): Promise<ReportDocument> {
  if (kind === 'decision-evidence') {
    const ctx = context(kind, { recordId: creditInput().body.id });
    return doc(kind, recordReportSections(loadLayout(kind), ctx, [await credit()]));
  }
  if (kind === 'case-file') {
    const ctx = context(kind, { caseId: 'CASE-2026-0042' });
    return doc(kind, recordReportSections(loadLayout(kind), ctx, [await credit(), await erased()]));
  }
  const from = new Date('2026-03-01T00:00:00.000Z');
  const to = new Date('2026-03-08T00:00:00.000Z');
  const ctx = context(kind, { applicationIds: [], from: from.toISOString(), to: to.toISOString() });
  const unit = bucketUnitFor(from, to);
  const groupOf = (key: string) => CONCEPTS[key]?.group ?? key.split('.')[0];
  const current = new PeriodAggregate({ from, unit, reportId: ctx.id, groupOf });
  const previous = new PeriodAggregate({
    from: new Date('2026-02-22T00:00:00.000Z'),
    unit,
    reportId: ctx.id,
    groupOf,
  });
  const outcomes = ['pass', 'flag', 'block', 'pass', 'pass'] as const;
  outcomes.forEach((outcome, i) => {
    // Two outputs state detection (employment detected in one of them), three predate it.
    const detections = i === 0 ? UNDETECTED_EMPLOYMENT : { 'finance.employment': [0.2, 0.8, 0.1] };
    const base = (i < 2 ? withDetections(creditInput(), detections) : creditInput()).body;
    current.add({
      ...base,
      id: `0190f3a2-7c41-7d2e-9b10-3e5c8a1f2d4${i}`,
      time: `2026-03-0${2 + i}T09:00:00.000Z`,
      policy: { ...base.policy, outcome },
    });
  });
  previous.add({ ...erasedTriageInput().body, time: '2026-02-25T09:00:00.000Z' });
  return doc(
    kind,
    await periodAuditSections(loadLayout(kind), ctx, {
      from,
      to,
      unit,
      figures: current.figures(),
      previous: previous.figures(),
      previousFrom: new Date('2026-02-22T00:00:00.000Z'),
      concepts: CONCEPTS,
      baseRates: BASE_RATES,
      entries: {
        reviews: {
          total: 2,
          byType: new Map([['review', 2]]),
          byVerdict: new Map([
            ['approved', 1],
            ['needs_follow_up', 1],
          ]),
        },
        flagged: { total: 1, reviewed: 1 },
        blocked: { total: 1, reviewed: 0 },
        erasures: {
          total: 1,
          byReason: new Map([['Subject asked for erasure (GDPR Art. 17)', 1]]),
        },
        access: {
          total: 7,
          rows: [
            {
              reader: 'j.moreau@bank.example (compliance_officer)',
              action: 'read',
              object: 'record',
              reads: 5,
              objects: 3,
            },
            {
              reader: 'auditor@firm.example (auditor)',
              action: 'download',
              object: 'report',
              reads: 2,
              objects: 1,
            },
          ],
        },
      },
      sample: [await credit()],
      mapping: loadRegulatoryMapping(),
      verified: { records: 5, signatures: 5, inclusions: 5 },
    }),
  );
}

describe('report kinds: extracted text and structure (golden)', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'golden-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['decision-evidence', 'case-file', 'period-audit'] as const)('%s', async (kind) => {
    const pdf = await renderPdf(await build(kind));
    // REPORT_SAMPLES_DIR keeps the PDFs, to look at their pages (pdftoppm).
    const path = join(process.env.REPORT_SAMPLES_DIR ?? dir, `${kind}.pdf`);
    writeFileSync(path, pdf);
    const text = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
    const outline = JSON.parse(
      execFileSync('qpdf', ['--json', '--json-key=outlines', path], { encoding: 'utf8' }),
    ) as { outlines: { title: string; kids: { title: string }[] }[] };
    const pages = Number(
      /Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))?.[1],
    );
    const structure = [
      `pages: ${pages}`,
      ...outline.outlines.flatMap((o) => [o.title, ...o.kids.map((k) => `  ${k.title}`)]),
    ].join('\n');
    const golden = `${structure}\n\n----- text -----\n${text}`;
    const file = join(GOLDEN_DIR, `${kind}.txt`);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, golden);
    expect(existsSync(file)).toBe(true);
    expect(golden).toBe(readFileSync(file, 'utf8'));
  });
});

describe('the decision card by chunk', () => {
  it('says a chunk without content has nothing to explain, and does not warn about it', async () => {
    const fixture = creditInput();
    const last = fixture.body.chunks.length - 1;
    const plain = await decisionCard(cardInput(fixture, fixture.body), CHART_WIDTH);
    const marked = structuredClone(fixture.body);
    marked.chunks[last] = { ...marked.chunks[last], noContent: true };
    const card = await decisionCard(cardInput(fixture, marked), CHART_WIDTH);
    const bars = (c: DecisionCard) =>
      c.section.children
        ?.find((s) => s.title === 'Concepts by chunk')
        ?.blocks.filter((b) => b.type === 'conceptBars') ?? [];
    const [before, after] = [bars(plain)[last], bars(card)[last]];
    expect(before.type === 'conceptBars' && before.summary).not.toMatch(/no content/);
    expect(after.type === 'conceptBars' && after.summary).toMatch(
      /: no content \(punctuation or an end token only\), nothing to explain; named \d/,
    );
    expect(after.type === 'conceptBars' && after.warning).toBeUndefined();
  });
});

describe('the decision card on detection', () => {
  it('labels each named bar detected or not with its number, and says what that means', async () => {
    const fixture = withDetections(creditInput(), UNDETECTED_EMPLOYMENT);
    const card = await decisionCard(cardInput(fixture, fixture.body), CHART_WIDTH);
    const section = card.section.children?.find((s) => s.title === 'Concepts by chunk');
    const labels = (section?.blocks ?? []).flatMap((b) =>
      b.type === 'conceptBars'
        ? b.bars.filter((x) => x.kind === 'named').map((x) => `${x.label}: ${x.detail}`)
        : [],
    );
    expect(labels).toContain('Credit and lending: detected, 0.90');
    expect(labels).toContain('Employment and wages: not detected, 0.20');
    const intro = (section?.blocks ?? []).filter((b) => b.type === 'paragraph');
    expect(intro.map((b) => (b.type === 'paragraph' ? b.text : '')).join(' ')).toContain(
      'At 0.50 or more the model detected the concept',
    );
    // Records before version 3 state no detection: the labels and paragraphs are as they were.
    const older = await decisionCard(cardInput(creditInput(), creditInput().body), CHART_WIDTH);
    const olderSection = older.section.children?.find((s) => s.title === 'Concepts by chunk');
    const olderText = JSON.stringify(olderSection?.blocks);
    expect(olderText).not.toMatch(/detect/);
  });
});

describe('the decision card on training data', () => {
  it('labels a weak match and states each score against the base rate (method version 3)', async () => {
    const fixture = creditInput();
    const body = structuredClone(fixture.body);
    const data = body.chunks[0].trainingData;
    const baseline = { sampledChunks: 512, median: 0.1, ceiling: 0.4 };
    data.methodVersion = 3;
    data.baseline = baseline;
    // One clear of chance (0.9: calibrated 2.7), the others at the fixture's weak scores.
    data.chunks[0] = { ...data.chunks[0], score: 0.9 };
    data.chunks = data.chunks.map((m) => {
      const calibrated = (m.score - baseline.median) / (baseline.ceiling - baseline.median);
      return { ...m, calibrated, weak: calibrated < 1.5 };
    });
    const card = await decisionCard(cardInput(fixture, body), CHART_WIDTH);
    const table = card.section.children
      ?.find((s) => s.title === 'Training data')
      ?.blocks.find((b) => b.type === 'table');
    expect(table?.type).toBe('table');
    if (table?.type !== 'table') return;
    for (const m of data.chunks) {
      const row = table.rows.find((r) => r[0].startsWith(m.chunk));
      expect(row).toBeDefined();
      expect(row![0]).toBe(m.weak ? `${m.chunk} (weak)` : m.chunk);
      expect(row![1]).toMatch(new RegExp(`\\(${m.calibrated!.toFixed(1)}×\\)$`));
    }
    expect(data.chunks.map((m) => m.weak)).toEqual(expect.arrayContaining([true, false]));
    expect(table.caption).toMatch(/Below 1\.5× the match is weak: listed, not evidence/);
  });

  it('lists no match of a chunk without content, however strong', async () => {
    const fixture = creditInput();
    const body = structuredClone(fixture.body);
    const last = body.chunks.length - 1;
    const planted = { ...body.chunks[last].trainingData.chunks[0], chunk: 'fhir/planted#13' };
    body.chunks[last].trainingData.chunks = [{ ...planted, score: 0.99 }];
    const rows = async (b: RecordBody) => {
      const card = await decisionCard(cardInput(fixture, b), CHART_WIDTH);
      const table = card.section.children
        ?.find((s) => s.title === 'Training data')
        ?.blocks.find((x) => x.type === 'table');
      return table?.type === 'table' ? table.rows.map((r) => r[0]) : [];
    };
    expect(await rows(body)).toContain('fhir/planted#13');
    body.chunks[last] = { ...body.chunks[last], noContent: true };
    const listed = await rows(body);
    expect(listed).not.toContain('fhir/planted#13');
    // The other chunks' matches are still listed.
    expect(listed.length).toBeGreaterThan(0);
  });
});
