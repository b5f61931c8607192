import { CANARIES, Canary } from 'training/corpus/canaries';
import { LOADERS, RawDocument, SourceInfo, SourceName, sourceInfo } from 'training/corpus/sources';
import {
  cleanText,
  dedupeKey,
  paragraphs,
  sentenceSpans,
  sha256Hex,
  unitHash,
  wordCount,
} from 'training/corpus/text';

export interface CorpusOptions {
  seed: number;
  /** Share of each source's documents held out for evaluation. */
  testFraction: number;
  /** Largest chunk, in words; a longer sentence is cut at word boundaries. */
  maxChunkWords: number;
  /** Cap on cleaned characters per source, so no source swamps the others. */
  maxCharsPerSource: Partial<Record<SourceName, number>>;
  /** For tests: only the first N documents of each source. */
  maxDocumentsPerSource?: number;
  sources: SourceName[];
}

export const DEFAULT_CORPUS_OPTIONS: CorpusOptions = {
  seed: 20261124,
  testFraction: 0.1,
  maxChunkWords: 80,
  // The licence texts are near-verbatim boilerplate that n-grams memorise (CALIBRATION.md): keep
  // them, and the glosses, to a share the prose sources can balance.
  maxCharsPerSource: { spdx: 2_200_000, wordnet: 2_200_000, fhir: 2_200_000 },
  sources: ['sotu', 'factbook', 'spdx', 'wordnet', 'fhir'],
};

/** The sources version 1 was trained on: its held-out split is the one these build. */
export const VERSION_1_SOURCES: SourceName[] = ['sotu', 'factbook', 'spdx', 'wordnet'];

/** The default options with only these sources: each keeps its documents, split and chunks. */
export function corpusOptions(sources: readonly SourceName[]): CorpusOptions {
  return { ...DEFAULT_CORPUS_OPTIONS, sources: [...sources] };
}

export interface CorpusDocument {
  id: string;
  source: SourceName;
  title: string;
  split: 'train' | 'test';
  licence: string;
  text: string;
}

export interface CorpusChunk {
  id: string;
  source: SourceName;
  document: string;
  split: 'train' | 'test';
  /** Character span [start, end) in the document's text. */
  start: number;
  end: number;
  licence: string;
  sha256: string;
  text: string;
}

export interface SourceStats extends SourceInfo {
  documents: number;
  testDocuments: number;
  chunks: number;
  words: number;
  characters: number;
  droppedDuplicateParagraphs: number;
  truncatedAtCap: boolean;
}

export interface CorpusBuild {
  documents: CorpusDocument[];
  chunks: CorpusChunk[];
  sources: SourceStats[];
  canaries: (Canary & { document: string; chunk: string })[];
}

/**
 * Sources → cleaned, de-duplicated documents → split by document → canaries planted in training
 * documents → chunks of whole sentences. Deterministic: the same packages and options give the
 * same bytes.
 */
export function buildCorpus(
  options: CorpusOptions,
  onProgress: (line: string) => void = () => undefined,
): CorpusBuild {
  const seen = new Set<string>();
  const documents: CorpusDocument[] = [];
  const sources: SourceStats[] = [];
  for (const name of options.sources) {
    const started = Date.now();
    const info = sourceInfo(name);
    let raw = LOADERS[name]();
    if (options.maxDocumentsPerSource) raw = raw.slice(0, options.maxDocumentsPerSource);
    // Under a cap, documents are taken in a seeded random order (then restored to source order),
    // so every part of a source (every lexicographer file, every kind of licence) is represented.
    const order = new Map(
      [...raw]
        .sort((a, b) => unitHash(options.seed, a.document) - unitHash(options.seed, b.document))
        .map((d, i) => [d.document, i]),
    );
    raw = [...raw].sort((a, b) => (order.get(a.document) ?? 0) - (order.get(b.document) ?? 0));
    const cap = options.maxCharsPerSource[name] ?? Infinity;
    const result = cleanSource(raw, info, options, seen, cap);
    result.documents.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    documents.push(...result.documents);
    sources.push({
      ...info,
      documents: result.documents.length,
      testDocuments: result.documents.filter((d) => d.split === 'test').length,
      chunks: 0,
      words: 0,
      characters: 0,
      droppedDuplicateParagraphs: result.dropped,
      truncatedAtCap: result.truncated,
    });
    onProgress(
      `${name}: ${result.documents.length} documents, ${result.dropped} duplicate paragraphs dropped (${Date.now() - started} ms)`,
    );
  }
  const canaries = plantCanaries(documents, options.seed);
  const chunks = documents.flatMap((d) => chunkDocument(d, options.maxChunkWords));
  for (const stats of sources) {
    const mine = chunks.filter((c) => c.source === stats.name);
    stats.chunks = mine.length;
    stats.words = mine.reduce((n, c) => n + wordCount(c.text), 0);
    stats.characters = documents
      .filter((d) => d.source === stats.name)
      .reduce((n, d) => n + d.text.length, 0);
  }
  return {
    documents,
    chunks,
    sources,
    canaries: canaries.map((c) => {
      const chunk = chunks.find((k) => k.document === c.document && k.text.includes(c.text));
      if (!chunk) throw new Error(`canary ${c.id} was split across chunks`);
      return { ...c, chunk: chunk.id };
    }),
  };
}

function cleanSource(
  raw: RawDocument[],
  info: SourceInfo,
  options: CorpusOptions,
  seen: Set<string>,
  cap: number,
): { documents: CorpusDocument[]; dropped: number; truncated: boolean } {
  const documents: CorpusDocument[] = [];
  let dropped = 0;
  let characters = 0;
  for (const doc of raw) {
    if (characters >= cap) {
      holdOut(documents, options);
      return { documents, dropped, truncated: true };
    }
    const kept: string[] = [];
    for (const paragraph of paragraphs(cleanText(doc.text))) {
      const key = dedupeKey(paragraph);
      // Very short paragraphs ("Section 2.") repeat legitimately; only longer ones are boilerplate.
      if (key.length >= 40 && seen.has(key)) {
        dropped++;
        continue;
      }
      seen.add(key);
      kept.push(paragraph);
    }
    const text = kept.join('\n\n');
    if (wordCount(text) < 20) continue;
    characters += text.length;
    documents.push({
      id: doc.document,
      source: doc.source,
      title: doc.title,
      split: 'train',
      licence: info.licence,
      text,
    });
  }
  holdOut(documents, options);
  return { documents, dropped, truncated: false };
}

/**
 * Documents, in seeded random order, go to the test split until it holds `testFraction` of the
 * source's characters: a split by document (no text of a test document is trained on) whose size
 * does not depend on which documents happen to be long.
 */
function holdOut(documents: CorpusDocument[], options: CorpusOptions): void {
  const total = documents.reduce((n, d) => n + d.text.length, 0);
  let held = 0;
  const order = [...documents].sort(
    (a, b) => unitHash(options.seed, `split:${a.id}`) - unitHash(options.seed, `split:${b.id}`),
  );
  for (const doc of order) {
    if (held >= total * options.testFraction) break;
    doc.split = 'test';
    held += doc.text.length;
  }
}

/** Each canary goes, as its own paragraph, into one training document of its source. */
function plantCanaries(
  documents: CorpusDocument[],
  seed: number,
): (Canary & { document: string })[] {
  return CANARIES.flatMap((canary) => {
    const candidates = documents
      .filter((d) => d.source === canary.source && d.split === 'train')
      .sort((a, b) => unitHash(seed, `canary:${a.id}`) - unitHash(seed, `canary:${b.id}`));
    const target = candidates[0];
    if (!target) return [];
    const parts = target.text.split('\n\n');
    parts.splice(Math.floor(parts.length / 2), 0, canary.text);
    target.text = parts.join('\n\n');
    return [{ ...canary, document: target.id }];
  });
}

/** Whole sentences up to `maxWords` per chunk; a longer sentence is cut at word boundaries. */
export function chunkDocument(doc: CorpusDocument, maxWords: number): CorpusChunk[] {
  const pieces = sentenceSpans(doc.text).flatMap(([s, e]) => splitLong(doc.text, s, e, maxWords));
  const chunks: CorpusChunk[] = [];
  let start = -1;
  let end = -1;
  let words = 0;
  const flush = () => {
    if (start < 0) return;
    const text = doc.text.slice(start, end);
    chunks.push({
      id: `${doc.id}#${chunks.length}`,
      source: doc.source,
      document: doc.id,
      split: doc.split,
      start,
      end,
      licence: doc.licence,
      sha256: sha256Hex(text),
      text,
    });
    start = -1;
    words = 0;
  };
  for (const [s, e] of pieces) {
    const n = wordCount(doc.text.slice(s, e));
    if (start >= 0 && words + n > maxWords) flush();
    if (start < 0) start = s;
    end = e;
    words += n;
  }
  flush();
  return chunks;
}

function splitLong(text: string, start: number, end: number, maxWords: number): [number, number][] {
  const out: [number, number][] = [];
  const word = /\S+/g;
  word.lastIndex = start;
  let pieceStart = start;
  let count = 0;
  let lastEnd = start;
  for (let m = word.exec(text); m && m.index < end; m = word.exec(text)) {
    if (count === maxWords) {
      out.push([pieceStart, lastEnd]);
      pieceStart = m.index;
      count = 0;
    }
    count++;
    lastEnd = Math.min(end, m.index + m[0].length);
  }
  if (lastEnd > pieceStart) out.push([pieceStart, lastEnd]);
  return out;
}
