import type { ReportDocument, ReportSection } from './report-document';

/**
 * Report documents for the renderer's tests and for looking at the pages: a realistic decision
 * evidence report with every block type, and a long one for page breaks and timing.
 */

export const FIXTURE_CREATED_AT = new Date('2025-03-14T09:26:53.000Z');

const SHA = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

/** A small SVG chart as src/charts draws them: viewBox, font families, text. */
export const SAMPLE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="160" viewBox="0 0 400 160">
  <rect x="0" y="0" width="400" height="160" fill="#ffffff"/>
  <g font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#333">
    <text x="10" y="18" font-weight="bold">Attribution by chunk</text>
    <rect x="90" y="32" width="220" height="16" fill="#2b6cb0"/><text x="10" y="44">chunk 0</text>
    <rect x="90" y="58" width="140" height="16" fill="#2b6cb0"/><text x="10" y="70">chunk 1</text>
    <rect x="90" y="84" width="60" height="16" fill="#8a9bb0"/><text x="10" y="96">chunk 2</text>
    <rect x="90" y="110" width="25" height="16" fill="#c3c8ce"/><text x="10" y="122">ε</text>
    <text x="320" y="44" font-family="Times New Roman">48%</text>
    <text x="240" y="70" font-family="monospace">31%</text>
  </g>
  <line x1="90" y1="140" x2="390" y2="140" stroke="#999"/>
</svg>`;

function prompt(): { text: string; weight: number | null }[] {
  const words =
    'Patient is a 67 year old with chest pain radiating to the left arm, troponin elevated at 0.08 ng/mL, ECG shows ST depression in leads V4 to V6. History of type 2 diabetes and hypertension; no prior cardiac events. Recommend admission?'.split(
      ' ',
    );
  const weights: Record<string, number> = {
    chest: 0.55,
    pain: 0.62,
    radiating: 0.4,
    'arm,': 0.3,
    troponin: 0.95,
    elevated: 0.8,
    ST: 0.7,
    depression: 0.75,
    diabetes: 0.25,
    'hypertension;': 0.2,
    no: -0.45,
    prior: -0.35,
    cardiac: -0.2,
    'events.': -0.15,
    '67': 0.1,
  };
  return [
    { text: 'Prompt: ', weight: null },
    ...words.map((word, i) => ({
      text: i === words.length - 1 ? word : `${word} `,
      weight: word in weights ? weights[word] : i % 7 === 3 ? 0 : null,
    })),
  ];
}

export function decisionEvidenceReport(): ReportDocument {
  const reportJson = Buffer.from(
    JSON.stringify({
      kind: 'decision-evidence',
      record: 'rec_01HQ7Z',
      createdAt: FIXTURE_CREATED_AT,
    }),
  );
  return {
    meta: {
      title: 'Decision evidence: generation rec_01HQ7Z3K9M',
      subject: 'Attribution record and explanation for one model generation (St. Elsewhere triage)',
      keywords: ['decision evidence', 'attribution', 'rec_01HQ7Z3K9M', 'triage'],
      createdAt: FIXTURE_CREATED_AT,
      footer: 'Report rpt_01HQ80AB12 · Decision evidence · St. Elsewhere Hospital',
    },
    attachments: [
      {
        name: 'report.json',
        description: 'The report data, canonical JSON',
        mimeType: 'application/json',
        content: reportJson,
      },
      {
        name: 'signature.sig',
        description: 'Ed25519 signature over report.json',
        mimeType: 'application/octet-stream',
        content: Buffer.from([0, 1, 2, 3, 254, 255, 10, 13, 0x25, 0x50]),
      },
    ],
    sections: [
      {
        title: 'The record',
        blocks: [
          {
            type: 'paragraph',
            text: 'This report sets out the evidence behind one model generation: what the model was asked, which concepts carried its answer, which training data those concepts came from, and whether the attribution record is intact. Every figure below is taken from the signed attribution record attached to this file as report.json.',
          },
          {
            type: 'keyValues',
            rows: [
              ['Record', 'rec_01HQ7Z3K9M'],
              ['Application', 'triage-assistant (St. Elsewhere Hospital, emergency department)'],
              ['Model', 'clinical-lm 1.4.2, checkpoint step 48000'],
              ['Generated at', '2025-03-14 09:12:07 UTC'],
              ['Record hash', SHA],
              ['Signature', 'valid (key audit-2025-01, Ed25519), verified at report time'],
              ['Decision', 'Admit to cardiology for observation; repeat troponin in 3 hours'],
            ],
          },
          {
            type: 'paragraph',
            style: 'note',
            text: 'Times are UTC. The record hash covers the canonical JSON of the record; see the verification section.',
          },
        ],
      },
      {
        title: 'What the model read',
        blocks: [
          {
            type: 'heatText',
            runs: prompt(),
            legend:
              'Shading shows how much each word pushed the answer: blue for the decision, orange against it; white words were not weighted.',
          },
          {
            type: 'conceptBars',
            summary: 'Named concepts: 61% of the logit',
            bars: [
              { label: 'acute coronary syndrome', share: 0.34, kind: 'named' },
              { label: 'cardiac biomarker elevation', share: 0.18, kind: 'named' },
              { label: 'ischaemic ECG change', share: 0.09, kind: 'named' },
              { label: 'feature #4821', share: 0.12, kind: 'unnamed' },
              { label: 'feature #907', share: 0.07, kind: 'unnamed' },
              { label: 'conservative management', share: 0.05, kind: 'steering', forced: true },
              { label: 'ε (residual)', share: 0.15, kind: 'residual' },
            ],
          },
          {
            type: 'chart',
            svg: SAMPLE_SVG,
            width: 400,
            height: 160,
            caption: 'Figure 1. Share of the logit by context chunk.',
            alt: 'Bar chart: chunk 0 48%, chunk 1 31%, chunk 2 13%, residual 8%.',
          },
        ],
        children: [
          {
            title: 'A weak explanation',
            blocks: [
              {
                type: 'conceptBars',
                summary: 'Named concepts: 12% of the logit',
                warning:
                  'Named concepts explain only 12% of this decision. The explanation below is not meaningful on its own; treat it as incomplete.',
                bars: [
                  { label: 'loan to income ratio', share: 0.12, kind: 'named' },
                  { label: 'feature #77', share: 0.41, kind: 'unnamed' },
                  { label: 'ε', share: 0.47, kind: 'residual' },
                ],
              },
            ],
          },
        ],
      },
      {
        title: 'Training data behind the concepts',
        newPage: true,
        blocks: [
          {
            type: 'table',
            columns: [
              { header: 'Chunk', width: 0.8 },
              { header: 'Source', width: 3 },
              { header: 'Concept', width: 2 },
              { header: 'Share', width: 0.8 },
              { header: 'Tokens', width: 0.9, align: 'right' },
            ],
            rows: Array.from({ length: 14 }, (_, i) => [
              `c${i}`,
              i === 2
                ? 'NICE guideline CG95: chest pain of recent onset, assessment and diagnosis (2016 update), section 1.3'
                : `pubmed/3${1000 + i * 37} abstract, cardiology corpus`,
              ['acute coronary syndrome', 'cardiac biomarker elevation', 'feature #4821'][i % 3],
              `${(30 - i * 1.7).toFixed(1)}%`,
              `${(1200 + i * 311).toLocaleString('en-US')}`,
            ]),
            caption: 'Chunks ranked by their share of the named concepts.',
          },
        ],
      },
      {
        title: 'Explanation',
        blocks: [
          {
            type: 'statements',
            items: [
              {
                text: 'The elevated troponin carried most of the decision (34% of the logit through the concept "acute coronary syndrome").',
                cites: ['chunks[0].concepts.known[0].share', 'context.tokens[14].weight'],
              },
              {
                text: 'The absence of prior cardiac events pushed against admission, but weakly.',
                cites: ['context.tokens[31].weight'],
              },
              {
                text: 'A steering vector for conservative management was applied by policy and is marked as forced.',
                cites: ['steering[0].concept', 'steering[0].strength', 'policy.version'],
              },
            ],
          },
        ],
      },
      {
        title: 'Verification',
        blocks: [
          { type: 'paragraph', style: 'heading', text: 'Checkpoint note' },
          {
            type: 'mono',
            text: `checkpoint: clinical-lm-1.4.2/step-48000\nweights:    ${SHA}\nsae:        sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae\nsignature:  MEUCIQDx3kJ8vYq1bPZf0mX9r2Zb0W8tqkJYkUu6Q0Yc9lB7kAIgJ4Yd0Q2v8m6pR1sXvT3uK5nHwLbZc7aE9fGh0iJkLmNoPqRsTuVwXyZ0123456789abcdefABCDEF==\n\n  indented line kept\n\tand a tab`,
          },
          {
            type: 'paragraph',
            style: 'warning',
            text: 'This report was generated from a model checkpoint that has since been retired. Re-running the generation today may give a different answer.',
          },
          { type: 'signOff', fields: ['Name', 'Role', 'Date', 'Signature'] },
        ],
      },
    ],
  };
}

/** Many sections with tables: about 2.2 pages per 5 sections. */
export function longReport(sections: number): ReportDocument {
  const base = decisionEvidenceReport();
  const section = (i: number): ReportSection => ({
    title: `Generation ${i + 1}`,
    blocks: [
      {
        type: 'paragraph',
        text: `Generation ${i + 1} of the period: the attribution record, its concepts and its training chunks.`,
      },
      {
        type: 'table',
        columns: [{ header: 'Concept', width: 3 }, { header: 'Kind' }, { header: 'Share' }],
        rows: Array.from({ length: 8 }, (_, r) => [
          `concept ${r} of generation ${i + 1}`,
          r % 3 === 0 ? 'named' : 'unnamed',
          `${(12.5 - r).toFixed(1)}%`,
        ]),
      },
    ],
  });
  return { ...base, sections: Array.from({ length: sections }, (_, i) => section(i)) };
}
