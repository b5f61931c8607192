import { ConceptShareBar, sourceMix } from 'src/charts/record-charts';
import {
  citableMatches,
  DETECTED_AT,
  detectionFigure,
  undetected,
  WEAK_MATCH_BELOW,
} from 'src/evidence-format/attribution';
import { SignedEntry } from 'src/evidence-format/entry';
import { RecordBody, RecordChunk } from 'src/evidence-format/record-body';
import { RecordText } from 'src/records/record-draft';
import {
  aggregateContextWords,
  aggregateSources,
  shareSummary,
  steeringOrigin,
} from 'src/reports/explanation/aggregate';
import { explainRecord } from 'src/reports/explanation/explain-record';
import {
  ExplanationStatement,
  ReviewEntry,
  Sufficiency,
} from 'src/reports/explanation/explanation.types';
import { listing, percent, quoted, score } from 'src/reports/explanation/format';
import { LIMITED_NAMED_SHARE, MAX_TRAINING_CHUNKS } from 'src/reports/explanation/thresholds';
import { unresolvedCites } from 'src/reports/explanation/cite-resolver';
import { ReportBlock, ReportSection } from 'src/reports/document/report-document';
import { contextWords, promptWords } from 'src/reports/kinds/context-words';
import { ModelReference } from 'src/reports/sources/model-references';

/** Named and unnamed concepts drawn per chunk; the rest are summed in the chunk's shares. */
const NAMED_BARS = 5;
const UNNAMED_BARS = 3;
/** Characters of a training paragraph quoted in a card. */
const EXCERPT_CHARS = 420;

/** What the report established about one record's signature and inclusion. */
export interface RecordVerification {
  signature: { ok: boolean; detail: string };
  inclusion: { ok: boolean; detail: string };
}

export interface CardInput {
  body: RecordBody;
  entry: SignedEntry;
  /** Prompt and output; null once erased. */
  text: RecordText | null;
  /** Reviews, corrections and erasures that name the record, in log order (no reads). */
  related: SignedEntry[];
  model: ModelReference;
  verification: RecordVerification;
  /** User id → e-mail, to name reviewers. */
  people: ReadonlyMap<string, string>;
}

/** One record's figures for report.json and for the period audit's tables. */
export interface CardSummary {
  id: string;
  logIndex: number;
  time: string;
  application: string;
  policyOutcome: 'pass' | 'flag' | 'block';
  /** Reviews, corrections and erasures that name the record. */
  related: number;
  sufficiency: Sufficiency;
  namedShare: number;
  /** Each with its detection when the record states one (concept method version 3). */
  principalReasons: { concept: string; name: string; share: number; detection?: number }[];
  signatureVerified: boolean;
  inclusionVerified: boolean;
  erased: boolean;
}

export interface DecisionCard {
  section: ReportSection;
  statement: ExplanationStatement;
  summary: CardSummary;
}

/**
 * A decision card: one record as a reviewer reads it. The output and the prompt words it relied
 * on (a heat map by whole words), the concepts per chunk (named first, the named share stated and
 * a warning when it is too low to explain the chunk), the training data against its base rates
 * with the strongest chunks quoted, steering and policy, reviews, the verification result, and
 * the explanation statement, every sentence of which cites fields that resolve in the record.
 */
export async function decisionCard(input: CardInput, width: number): Promise<DecisionCard> {
  const { body, text } = input;
  const words = text ? promptWords(text.prompt, text.promptTokens) : null;
  const perChunk = words ? contextWords(words, body.chunks) : null;
  const reviews = reviewEntries(input.related);
  const shownText = text
    ? { prompt: text.prompt, output: text.output, chunkTexts: text.chunkTexts }
    : null;
  const statement = explainRecord({
    body,
    text: shownText,
    contextWords: perChunk,
    concepts: input.model.concepts,
    trainingBaseRates: input.model.baseRates,
    reviews,
  });
  const unresolved = unresolvedCites(statement, { body, text: shownText, reviews });
  if (unresolved.length > 0) {
    // A sentence that cites what the record does not hold is a bug: never print it.
    throw new Error(
      `explanation of record ${body.id} cites ${unresolved
        .map((u) => u.cite)
        .slice(0, 3)
        .join(', ')}`,
    );
  }
  const erased = text === null;
  const children: ReportSection[] = [
    { title: 'Output and context', blocks: outputBlocks(body, text, perChunk, words !== null) },
    { title: 'Concepts by chunk', blocks: chunkBlocks(body, text) },
    { title: 'Training data', blocks: await trainingBlocks(input, width) },
    { title: 'Steering and policy', blocks: steeringAndPolicyBlocks(body) },
    { title: 'Reviews and corrections', blocks: reviewBlocks(input.related, input.people) },
    { title: 'Verification', blocks: verificationBlocks(input) },
    { title: 'Explanation statement', blocks: statementBlocks(statement) },
  ];
  const section: ReportSection = {
    title: `Record ${body.logIndex}: ${body.application.name}, ${body.time}`,
    newPage: true,
    blocks: [{ type: 'keyValues', rows: identityRows(body, input.entry, erased) }],
    children,
  };
  return {
    section,
    statement,
    summary: {
      id: body.id,
      logIndex: body.logIndex,
      time: body.time,
      application: body.application.name,
      policyOutcome: body.policy.outcome,
      related: input.related.length,
      sufficiency: statement.sufficiency,
      namedShare: statement.namedShare,
      principalReasons: statement.principalReasons.map(({ concept, name, share, detection }) => ({
        concept,
        name,
        share,
        ...(detection !== undefined ? { detection } : {}),
      })),
      signatureVerified: input.verification.signature.ok,
      inclusionVerified: input.verification.inclusion.ok,
      erased,
    },
  };
}

function identityRows(body: RecordBody, entry: SignedEntry, erased: boolean): [string, string][] {
  const r = body.request;
  return [
    ['Record id', body.id],
    ['Log index', String(body.logIndex)],
    ['Committed', body.time],
    ['Application', `${body.application.name} (${body.application.id})`],
    [
      'Provenance',
      body.provenance === 'generated'
        ? 'generated by the service'
        : "submitted by the application's own model",
    ],
    ['Purpose', r.purpose ?? '(not stated)'],
    ['Case id', r.caseId ?? '(none)'],
    ['Subject reference', r.subjectRef ?? '(none)'],
    ['Solely automated decision', r.solelyAutomatedDecision ? 'yes' : 'no'],
    ['Model', `${body.model.name} ${body.model.version}, manifest ${body.model.manifestSha256}`],
    [
      'Decoding',
      `${body.decoding.temperature === 0 ? 'greedy' : `temperature ${body.decoding.temperature}, top-p ${body.decoding.topP}`}; at most ${body.decoding.maxTokens} tokens; stopped by ${body.decoding.stoppedBy.replace(/_/g, ' ')}`,
    ],
    ['Policy outcome', body.policy.outcome],
    ['Text', erased ? 'erased (the key is destroyed; the commitments remain)' : 'held, encrypted'],
    ['Leaf hash', entry.leafHash],
  ];
}

function outputBlocks(
  body: RecordBody,
  text: RecordText | null,
  perChunk: ReturnType<typeof contextWords> | null,
  wordsSpelled: boolean,
): ReportBlock[] {
  if (!text) {
    return [
      {
        type: 'paragraph',
        style: 'warning',
        text: `The prompt and output were erased. What remains are their commitments: prompt ${body.prompt.commitment} (${body.prompt.characters} characters), output ${body.output.commitment} (${body.output.characters} characters). The attribution below is the signed record's; the words it rested on cannot be shown.`,
      },
    ];
  }
  const blocks: ReportBlock[] = [
    { type: 'paragraph', style: 'heading', text: 'Output' },
    { type: 'paragraph', text: text.output.length > 0 ? text.output : '(empty output)' },
    { type: 'paragraph', style: 'heading', text: 'Prompt, shaded by what the output relied on' },
  ];
  if (!perChunk || !wordsSpelled) {
    blocks.push(
      { type: 'paragraph', text: text.prompt },
      {
        type: 'paragraph',
        style: 'note',
        text: "The prompt's tokens do not spell it exactly, so no word is shaded.",
      },
    );
    return blocks;
  }
  const totals = aggregateContextWords(perChunk).sort((a, b) => a.start - b.start);
  const max = Math.max(1e-9, ...totals.map((w) => Math.abs(w.effect)));
  const runs: { text: string; weight: number | null }[] = [];
  let at = 0;
  for (const w of totals) {
    if (w.start > at) runs.push({ text: text.prompt.slice(at, w.start), weight: null });
    runs.push({ text: text.prompt.slice(w.start, w.end), weight: w.effect / max });
    at = w.end;
  }
  if (at < text.prompt.length) runs.push({ text: text.prompt.slice(at), weight: null });
  const strongest = [...totals]
    .sort((a, b) => b.effect - a.effect || a.start - b.start)
    .slice(0, 5)
    .filter((w) => w.effect > 0);
  blocks.push({
    type: 'heatText',
    runs,
    legend: `Each word is shaded by how much masking it lowers the output's log-probability (leave-one-out, summed over the chunks): blue for, red against; the strongest is ${strongest[0] ? `${quoted(strongest[0].word)} at ${strongest[0].effect.toFixed(2)} nats` : 'none'}.`,
  });
  if (strongest.length > 0) {
    blocks.push({
      type: 'paragraph',
      style: 'note',
      text: `Most relied on: ${listing(strongest.map((w) => `${quoted(w.word)} (${w.effect.toFixed(2)})`))}.`,
    });
  }
  return blocks;
}

function chunkBlocks(body: RecordBody, text: RecordText | null): ReportBlock[] {
  const forced = new Set(body.steering.map((s) => s.concept));
  const summary = shareSummary(body);
  const blocks: ReportBlock[] = [
    {
      type: 'paragraph',
      text: `Over the whole output, named concepts carry ${percent(summary.named)} of the logit, unnamed concepts ${percent(summary.unnamed)}, the residual ε ${percent(summary.residual)}${summary.steering > 0 ? ` and steering ${percent(summary.steering)}` : ''} (length-weighted over ${body.chunks.length} chunk${body.chunks.length === 1 ? '' : 's'}).`,
    },
  ];
  if (body.chunks.some((c) => c.concepts.known.some((k) => k.detection !== undefined))) {
    blocks.push({
      type: 'paragraph',
      text: `Under each named concept, its detection: the highest probability its detector gave while this chunk's tokens were chosen, reading the prompt and the output before them. At ${detectionFigure(DETECTED_AT)} or more the model detected the concept; a concept not detected still moved the chunk's tokens through its learned effect on them, while the model was unsure the concept was there. The explanation statement gives a concept as a principal reason only if some chunk detected it.`,
    });
  }
  for (const [i, chunk] of body.chunks.entries()) {
    const bars = chunkBars(chunk, forced);
    const label = chunkLabel(i, chunk, text);
    const c = chunk.concepts;
    const shares = `named ${percent(c.knownShare)}, unnamed ${percent(c.unknownShare)}, ε ${percent(c.epsilonShare)}${c.steeringShare > 0 ? `, steering ${percent(c.steeringShare)}` : ''} of the logit`;
    // A chunk of punctuation or an end token has nothing to explain: said so, never warned about.
    blocks.push({
      type: 'conceptBars',
      bars,
      summary: chunk.noContent
        ? `${label}: no content (punctuation or an end token only), nothing to explain; ${shares}.`
        : `${label}: ${shares}.`,
      warning:
        !chunk.noContent && c.knownShare < LIMITED_NAMED_SHARE
          ? `Named concepts carry only ${percent(c.knownShare)} of this chunk: too little for them to explain it. Read the bars as what the model used, not as reasons.`
          : undefined,
    });
  }
  return blocks;
}

function chunkBars(chunk: RecordChunk, forced: ReadonlySet<string>): ConceptShareBar[] {
  const c = chunk.concepts;
  const named = [...c.known]
    .sort((a, b) => b.share - a.share || a.id - b.id)
    .slice(0, NAMED_BARS)
    .map((k) => ({
      label: k.name ?? k.key ?? `named #${k.id}`,
      ...detectionDetail(k),
      share: clampShare(k.share),
      kind: 'named' as const,
      forced: k.key !== undefined && forced.has(k.key),
    }));
  const unnamed = [...c.unknown]
    .sort((a, b) => b.share - a.share || a.id - b.id)
    .slice(0, UNNAMED_BARS)
    .map((u) => ({
      label: `unnamed #${u.id}${unnamedTokens(u.topTokens)}`,
      share: clampShare(u.share),
      kind: 'unnamed' as const,
    }));
  const bars: ConceptShareBar[] = [
    ...named,
    ...unnamed,
    { label: 'Residual (ε)', share: clampShare(c.epsilonShare), kind: 'residual' },
  ];
  if (c.steeringShare > 0) {
    bars.push({
      label: 'Steering',
      share: clampShare(c.steeringShare),
      kind: 'steering',
    });
  }
  return bars;
}

/** A named concept's detection as its bar's second line, when the record states one. */
function detectionDetail(concept: { detection?: number }): { detail?: string } {
  if (concept.detection === undefined) return {};
  const found = undetected(concept) ? 'not detected' : 'detected';
  return { detail: `${found}, ${detectionFigure(concept.detection)}` };
}

function chunkLabel(i: number, chunk: RecordChunk, text: RecordText | null): string {
  const piece = text?.chunkTexts[i];
  if (piece === undefined) return `Chunk ${i + 1} (tokens ${chunk.start}–${chunk.end})`;
  const trimmed = piece.replace(/\s+/g, ' ').trim();
  const shown = trimmed.length > 60 ? `${trimmed.slice(0, 59)}…` : trimmed;
  return `Chunk ${i + 1} ${quoted(shown)}`;
}

/**
 * The licence of each source the listed chunks come from, once per source: a licence can run to a
 * sentence, too long for a table column beside the scores.
 */
function licenceNote(matches: readonly { source: string; licence: string }[]): string {
  const bySource = new Map<string, string>();
  for (const m of matches) if (!bySource.has(m.source)) bySource.set(m.source, m.licence);
  const parts = [...bySource].map(
    ([source, licence]) => `${source}: ${licence.replace(/\.$/, '')}`,
  );
  return `${parts.length === 1 ? 'Licence of the source' : 'Licences of the sources'} these chunks come from. ${parts.join('. ')}.`;
}

async function trainingBlocks(input: CardInput, width: number): Promise<ReportBlock[]> {
  const { body, model } = input;
  const sources = aggregateSources(body);
  if (sources.length === 0) {
    return [{ type: 'paragraph', text: 'The record attributes no training data.' }];
  }
  const rows = sources.map((s) => ({
    source: s.source,
    share: clampShare(s.share),
    baseRate: clampShare(model.baseRates[s.source] ?? 0),
  }));
  const chart = await sourceMix(rows, { width });
  const blocks: ReportBlock[] = [
    {
      type: 'chart',
      svg: chart.svg,
      width: chart.width,
      height: chart.height,
      alt: chart.alt,
      caption:
        "Share of the output's concept use by training source (bars) against each source's share of the training chunks (ticks). Similarity in the model's concept space, not causal influence.",
    },
  ];
  const best = new Map<string, RecordChunk['trainingData']['chunks'][number]>();
  for (const chunk of body.chunks) {
    for (const m of citableMatches(chunk)) {
      const seen = best.get(m.chunk);
      if (!seen || m.score > seen.score) best.set(m.chunk, m);
    }
  }
  const top = [...best.values()]
    .sort((a, b) => b.score - a.score || (a.chunk < b.chunk ? -1 : 1))
    .slice(0, MAX_TRAINING_CHUNKS);
  if (top.length === 0) return blocks;
  blocks.push({
    type: 'table',
    columns: [
      { header: 'Training chunk', width: 5.5 },
      { header: 'Score', width: 1.3, align: 'right' },
      { header: 'Concepts', width: 1.3, align: 'right' },
      { header: 'Order', align: 'right' },
    ],
    rows: top.map((m) => [
      m.weak === undefined ? m.chunk : `${m.chunk}${m.weak ? ' (weak)' : ''}`,
      m.calibrated === undefined
        ? score(m.score)
        : `${score(m.score)} (${m.calibrated.toFixed(1)}×)`,
      score(m.conceptSimilarity),
      score(m.sequenceMatch),
    ]),
    caption: top.some((m) => m.calibrated !== undefined)
      ? `The strongest training chunks: score is the mean of concept similarity and concept order match (0–1); in brackets, how far it stands above this text's median score, against the best of the chunks sampled evenly across the training data (1× is what chance reaches). Below ${WEAK_MATCH_BELOW}× the match is weak: listed, not evidence.`
      : 'The strongest training chunks: score is the mean of concept similarity and concept order match (0–1); below 0.5 the match is weak.',
  });
  blocks.push({ type: 'paragraph', style: 'note', text: licenceNote(top) });
  for (const m of top) {
    const text = model.chunkText(m.chunk);
    if (text === null) {
      blocks.push({
        type: 'paragraph',
        style: 'note',
        text: `${m.chunk}: the text of this chunk is not in the model store (its SHA-256 is ${m.sha256}).`,
      });
      continue;
    }
    const paragraph = text.slice(
      Math.max(0, m.segment.start - m.start),
      Math.max(0, m.segment.end - m.start),
    );
    const shown =
      paragraph.length > EXCERPT_CHARS ? `${paragraph.slice(0, EXCERPT_CHARS - 1)}…` : paragraph;
    blocks.push({ type: 'paragraph', style: 'note', text: `${m.chunk}: ${quoted(shown.trim())}` });
  }
  return blocks;
}

function steeringAndPolicyBlocks(body: RecordBody): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  if (body.steering.length === 0) {
    blocks.push({ type: 'paragraph', text: 'No concept was steered.' });
  } else {
    blocks.push({
      type: 'table',
      columns: [
        { header: 'Concept', width: 3 },
        { header: 'Mode' },
        { header: 'Weight', align: 'right' },
        { header: 'Forced by', width: 2 },
      ],
      rows: body.steering.map((s, i) => [
        s.concept,
        s.mode,
        s.mode === 'amplify' ? s.weight.toFixed(2) : '—',
        steeringOrigin(body, i).by === 'policy' ? 'the policy' : "the application's request",
      ]),
      caption:
        'A steered concept is forced: its share shows the steering, not a reason of the model.',
    });
  }
  const p = body.policy;
  blocks.push({
    type: 'paragraph',
    text:
      p.policyId === null
        ? `No policy was in force; outcome ${p.outcome}.`
        : `Policy ${p.policyId} version ${p.policyVersion} (rules SHA-256 ${p.rulesSha256}): outcome ${p.outcome}.`,
  });
  if (p.results.length > 0) {
    blocks.push({
      type: 'table',
      columns: [
        { header: 'Rule', width: 2 },
        { header: 'Outcome' },
        { header: 'Detail', width: 4 },
      ],
      rows: p.results.map((r) => [r.rule, r.outcome, r.detail]),
    });
  }
  return blocks;
}

function reviewBlocks(
  related: readonly SignedEntry[],
  people: ReadonlyMap<string, string>,
): ReportBlock[] {
  if (related.length === 0) {
    return [{ type: 'paragraph', text: 'No review, correction or erasure names this record.' }];
  }
  return [
    {
      type: 'table',
      columns: [
        { header: 'Time', width: 1.8 },
        { header: 'Entry', width: 1.3 },
        { header: 'By', width: 2.6 },
        { header: 'Verdict', width: 1.5 },
        { header: 'Note or reason', width: 3.3 },
      ],
      rows: related.map((e) => {
        const b = e.body as {
          kind: string;
          type?: string;
          time: string;
          logIndex: number;
          verdict?: string | null;
          note?: string | null;
          reason?: string;
          by?: { role?: string; userId?: string };
        };
        const kind = b.kind === 'review' ? (b.type ?? 'review') : b.kind;
        // Date and time on lines of their own, so that neither is broken mid-number.
        return [
          String(b.time).replace('T', '\n'),
          `${kind} #${String(b.logIndex)}`,
          `${(b.by?.userId && people.get(b.by.userId)) ?? b.by?.userId ?? '?'} (${b.by?.role ?? '?'})`,
          typeof b.verdict === 'string' ? b.verdict.replace(/_/g, ' ') : '—',
          typeof b.note === 'string' ? b.note : typeof b.reason === 'string' ? b.reason : '—',
        ];
      }),
    },
  ];
}

function verificationBlocks({ verification, entry }: CardInput): ReportBlock[] {
  const mark = (ok: boolean) => (ok ? 'verified' : 'FAILED');
  const blocks: ReportBlock[] = [
    {
      type: 'keyValues',
      rows: [
        ['Signature', `${mark(verification.signature.ok)}: ${verification.signature.detail}`],
        ['Inclusion', `${mark(verification.inclusion.ok)}: ${verification.inclusion.detail}`],
        ['Signing key', entry.keyId],
      ],
    },
  ];
  if (!verification.signature.ok || !verification.inclusion.ok) {
    blocks.push({
      type: 'paragraph',
      style: 'warning',
      text: 'This record did not verify. Its contents cannot be relied on as the service signed them.',
    });
  }
  return blocks;
}

function statementBlocks(statement: ExplanationStatement): ReportBlock[] {
  const label: Record<Sufficiency, string> = {
    meaningful: `Named concepts carry ${percent(statement.namedShare)} of the output: enough for a meaningful statement.`,
    limited: `Named concepts carry ${percent(statement.namedShare)} of the output: the statement is limited; read it with the unexplained share in mind.`,
    insufficient: `Named concepts carry only ${percent(statement.namedShare)} of the output: too little for a meaningful statement, so no principal reasons are given.`,
  };
  return [
    {
      type: 'paragraph',
      style: statement.sufficiency === 'insufficient' ? 'warning' : 'body',
      text: label[statement.sufficiency],
    },
    {
      type: 'statements',
      items: statement.sentences.map((s) => ({ text: s.text, cites: s.cites })),
    },
    {
      type: 'table',
      columns: [
        { header: 'Obligation', width: 2 },
        { header: 'What this statement provides', width: 5 },
      ],
      rows: statement.obligations.map((o) => [o.label, o.summary]),
      caption:
        'Evidence for these obligations; whether an obligation is met is for the deployer and its reviewers to judge.',
    },
  ];
}

function reviewEntries(related: readonly SignedEntry[]): ReviewEntry[] {
  return related
    .filter((e) => e.body.kind === 'review')
    .map((e) => {
      const b = e.body as {
        verdict?: string | null;
        note?: string | null;
        by?: { role?: string };
        time: string;
      };
      return {
        verdict: b.verdict ?? null,
        note: b.note ?? null,
        by: b.by?.role ?? 'reviewer',
        time: b.time,
      };
    });
}

/** An unnamed concept's strongest tokens, as a reader can tell them apart: ` (“nation”, “ens”)`. */
function unnamedTokens(tokens: string[] | undefined): string {
  const shown = (tokens ?? [])
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .slice(0, 3);
  return shown.length === 0 ? '' : ` (${shown.map(quoted).join(', ')})`;
}

function clampShare(value: number): number {
  return Math.min(1, Math.max(0, value));
}
