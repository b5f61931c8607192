import { Injectable } from '@nestjs/common';
import { UserPrincipal } from 'src/access/principal';
import { RecordBody } from 'src/evidence-format/record-body';
import { RecordsService } from 'src/records/records.service';
import { UsersService } from 'src/users/users.service';
import { decisionCard } from 'src/reports/kinds/decision-card';
import { contextWords, promptWords } from 'src/reports/kinds/context-words';
import { ModelReferences } from 'src/reports/sources/model-references';
import { sectionHtml } from 'src/portal/report-html';

/** Width of the charts on the page, in SVG units (they scale with the column). */
const CHART_WIDTH = 640;
/** Prompt words listed per output chunk in the no-script table. */
const WORDS_PER_CHUNK = 5;

/** The card sections the page shows as the PDF does; the rest it draws itself. */
const CARD_SECTIONS = [
  'Concepts by chunk',
  'Training data',
  'Steering and policy',
  'Explanation statement',
];

export interface ThreadEntry {
  kind: string;
  time: string;
  by: string;
  what: string;
  note: string | null;
}

/**
 * One record as a compliance officer reads it in the portal: the output by chunk over the prompt
 * heat map, the decision card's concepts, training data, steering and statement (composed by the
 * report code, so the page and the PDF agree), the reviews thread, and the signed entry the
 * browser verifies. Opening the page is a read: the records service logs it first.
 */
@Injectable()
export class RecordPageService {
  constructor(
    private readonly records: RecordsService,
    private readonly users: UsersService,
    private readonly references: ModelReferences,
  ) {}

  async view(principal: UserPrincipal, id: string) {
    const record = await this.records.get(principal, id);
    const body = record.entry.body as unknown as RecordBody;
    const people = new Map((await this.users.list(principal.tenantId)).map((u) => [u.id, u.email]));
    const about = record.related.filter((e) => e.body.kind !== 'access');
    const card = await decisionCard(
      {
        body,
        entry: record.entry,
        text: record.text,
        related: about,
        model: this.references.get(body.model),
        // The portal checks signature and inclusion in the reader's browser; the card's own
        // verification section (a report's) is not shown here.
        verification: {
          signature: { ok: false, detail: 'checked in the browser' },
          inclusion: { ok: false, detail: 'checked in the browser' },
        },
        people,
      },
      CHART_WIDTH,
    );
    const shown = (card.section.children ?? []).filter((s) => CARD_SECTIONS.includes(s.title));
    return {
      record,
      body,
      statement: card.statement,
      identity: card.section.blocks,
      sectionsHtml: shown.map((s) => sectionHtml(s, 2)).join('\n'),
      heat: this.heatMap(body, record.text),
      thread: about.map((e) => threadEntry(e.body, people)),
      reads: record.accessCount,
      erased: record.text === null,
      forced: body.steering.map((s) => `${s.concept} (${s.mode})`),
    };
  }

  /**
   * The prompt as whole words and the output by chunk, each chunk with the weight of every
   * prompt word (its pieces' context effects summed, scaled to the chunk's strongest): the page
   * shades the prompt by a chunk when the reader points at it or focuses it.
   */
  private heatMap(
    body: RecordBody,
    text: { prompt: string; promptTokens: string[]; chunkTexts: string[] } | null,
  ) {
    if (!text) return null;
    const words = promptWords(text.prompt, text.promptTokens);
    if (!words)
      return {
        spelled: false as const,
        prompt: text.prompt,
        chunks: text.chunkTexts.map((t) => ({ text: t })),
      };
    const perChunk = contextWords(words, body.chunks);
    const promptRuns: { text: string; word: number | null; weight: number }[] = [];
    const totals = words.map((_, i) =>
      perChunk.reduce((sum, chunk) => sum + (chunk[i]?.effect ?? 0), 0),
    );
    const maxTotal = Math.max(1e-9, ...totals.map(Math.abs));
    let at = 0;
    for (const [i, w] of words.entries()) {
      if (w.start > at)
        promptRuns.push({ text: text.prompt.slice(at, w.start), word: null, weight: 0 });
      promptRuns.push({
        text: text.prompt.slice(w.start, w.end),
        word: i,
        weight: totals[i] / maxTotal,
      });
      at = w.end;
    }
    if (at < text.prompt.length)
      promptRuns.push({ text: text.prompt.slice(at), word: null, weight: 0 });
    const chunks = body.chunks.map((chunk, c) => {
      const effects = perChunk[c].map((w) => w.effect);
      const max = Math.max(1e-9, ...effects.map(Math.abs));
      const top = perChunk[c]
        .map((w, i) => ({ word: words[i].word, effect: w.effect }))
        .filter((w) => w.effect > 0)
        .sort((a, b) => b.effect - a.effect)
        .slice(0, WORDS_PER_CHUNK);
      const chunkText = text.chunkTexts[c] ?? '';
      return {
        text: chunkText,
        // A paragraph break alone: the page gives it a visible mark and a name of its own.
        blank: chunkText.trim() === '',
        weights: effects.map((e) => Number((e / max).toFixed(3))),
        top,
        namedShare: chunk.concepts.knownShare,
      };
    });
    return { spelled: true as const, promptRuns, chunks };
  }
}

function threadEntry(
  body: Record<string, unknown>,
  people: ReadonlyMap<string, string>,
): ThreadEntry {
  const by = body.by as { userId?: string; role?: string } | undefined;
  const who = by?.userId ? (people.get(by.userId) ?? by.userId) : 'the service';
  const kind = String(body.kind);
  const what =
    kind === 'erasure'
      ? `erased the text: ${text(body.reason)}`
      : body.type === 'review' || body.type === undefined
        ? `reviewed: ${text(body.verdict).replace(/_/g, ' ')}`
        : `added ${body.type === 'correction' ? 'a correction' : 'an annotation'}`;
  return {
    kind,
    time: String(body.time),
    by: `${who}${by?.role ? ` (${by.role.replace('_', ' ')})` : ''}`,
    what,
    note: typeof body.note === 'string' ? body.note : null,
  };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
