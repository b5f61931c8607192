import { CorpusChunk } from 'training/corpus/build-corpus';
import { ConceptWeightsRunner } from 'src/model-runtime/concept-weights';
import { ModelConfig } from 'training/model/model';
import { BOS } from 'src/model-package/tokenizer';
import { ChunkProvenance } from 'src/evidence-format/attribution';
import {
  bigramIdf,
  conceptBigrams,
  conceptSymbol,
  KNOWN_SLOTS,
  SegmentSignature,
  SEQUENCE_SLOTS,
  topWeights,
  UNKNOWN_SLOTS,
} from 'src/model-package/signatures';

export interface TrainingIndex {
  /** One entry per training chunk, in order: the lines of training-index.jsonl. */
  chunks: ChunkProvenance[];
  /** Each paragraph of each chunk, with its concept signature: training-signatures.bin. */
  segments: SegmentSignature[];
  /** Per source, the share of each concept's total weight that its chunks carry. */
  sourceByConcept: { sources: string[]; known: number[][]; unknown: number[][] };
}

const SLICE = 512;

export interface IndexedChunk {
  meta: CorpusChunk;
  ids: number[];
  /** Character offset just after each token (Tokenizer.encodeWithEnds). */
  ends: number[];
}

/** Paragraph spans [start, end) of a text, blank lines between them left out. */
export function paragraphs(text: string): [number, number][] {
  const spans: [number, number][] = [];
  const separator = /\n\s*\n/g;
  let start = 0;
  for (const m of [...text.matchAll(separator), { index: text.length, 0: '' }]) {
    const end = m.index ?? text.length;
    const piece = text.slice(start, end);
    const lead = piece.length - piece.trimStart().length;
    const trail = piece.length - piece.trimEnd().length;
    if (piece.trim().length > 0) spans.push([start + lead, end - trail]);
    start = end + m[0].length;
  }
  return spans;
}

/**
 * How the index reads a chunk's paragraphs: `alone`, each from [BOS] (the default since model
 * 2.3.0); `in-chunk`, each in the chunk's context (packages up to 2.2.0).
 */
export type ParagraphReading = 'alone' | 'in-chunk';
export const PARAGRAPH_READINGS: readonly ParagraphReading[] = ['alone', 'in-chunk'];

/** A stretch of a chunk the model reads at once, and the paragraphs indexed from it. */
export interface ReadingWindow {
  /** The chunk's token (index into its ids) that position 0 predicts. */
  first: number;
  /**
   * Token ids read: position p reads input[p] and predicts ids[first + p], so input[p + 1] is
   * ids[first + p]. input[0] is [BOS], except in a later window of a chunk read `in-chunk`
   * (the token before `first`).
   */
  input: number[];
  /**
   * Paragraphs read in this window: character span in the chunk, and the positions [from, to)
   * that predict the paragraph's tokens.
   */
  paragraphs: { start: number; end: number; from: number; to: number }[];
}

/** Token spans [first, last] of the chunk's paragraphs. */
function paragraphTokens({ meta, ends }: IndexedChunk) {
  return paragraphs(meta.text).flatMap(([start, end]) => {
    const first = ends.findIndex((e) => e > start);
    let last = -1;
    ends.forEach((e, i) => {
      if (e <= end) last = i;
    });
    return first < 0 || last < first ? [] : [{ start, end, first, last }];
  });
}

/**
 * Where each paragraph of a chunk is read. The chunk's first window ([BOS] and its first tokens)
 * is always read: the source matrix uses it, and the paragraph the chunk starts with is indexed
 * there.
 *
 * `alone` (the default) reads every later paragraph on its own, from [BOS], as far as the
 * context reaches: the way the service reads the text it explains, from [BOS] and its prompt,
 * never after the paragraphs that precede a training paragraph in its chunk. Read in its chunk,
 * a paragraph's concepts carry the paragraph before it (a drug's gloss after glosses of lichens
 * reads as lichens), so the same words said again did not match it; and training read each
 * paragraph in many contexts (random windows of the token stream), none the index could claim
 * as the paragraph's own.
 *
 * `in-chunk` reads the chunk whole, as training reads a chunk longer than the context: a
 * paragraph inside the first window there, a later one in a window that ends with it (the most
 * earlier context that fits), or that starts with it when it alone exceeds the context.
 */
export function readingWindows(
  chunk: IndexedChunk,
  context: number,
  reading: ParagraphReading = 'alone',
): ReadingWindow[] {
  const { ids } = chunk;
  const sequence = [BOS, ...ids];
  const windows = new Map<number, ReadingWindow>();
  // Alone: [BOS] and `length - 1` tokens from `first`. In the chunk: the stretch of [BOS, ...ids]
  // from `first`, whose position p reads sequence[first + p] and so predicts ids[first + p].
  const windowAt = (first: number, length: number) => {
    let window = windows.get(first);
    if (!window) {
      const input =
        reading === 'alone' || first === 0
          ? [BOS, ...ids.slice(first, first + length - 1)]
          : sequence.slice(first, first + length);
      window = { first, input, paragraphs: [] };
      windows.set(first, window);
    }
    return window;
  };
  // Read to the chunk's last token: the source matrix counts every position of this window.
  windowAt(0, Math.min(ids.length + 1, context));
  for (const { start, end, first, last } of paragraphTokens(chunk)) {
    if (reading === 'alone') {
      const length = Math.min(last + 1 - first, context);
      const window = windowAt(first, length);
      window.paragraphs.push({
        start,
        end,
        from: first - window.first,
        to: first - window.first + length,
      });
    } else {
      const offset = last < context ? 0 : Math.min(first, last - context + 1);
      const window = windowAt(offset, context);
      const to = Math.min(last + 1 - offset, window.input.length);
      window.paragraphs.push({ start, end, from: first - offset, to });
    }
  }
  return [...windows.values()].sort((a, b) => a.first - b.first);
}

/**
 * The training-data index, from the exported model run over every training chunk: each paragraph
 * of a chunk gets the mean concept weights of the positions that read it (alone or in its
 * chunk, see readingWindows) and its rarest concept bigrams, and a source × concept matrix sums
 * the chunks' weights per source. Part 2 compares a generation's concept use with these; that is
 * similarity in the model's concept space, not a measure of causal influence.
 */
export async function buildTrainingIndex(
  model: ModelConfig,
  chunks: IndexedChunk[],
  weightsOf: ConceptWeightsRunner,
  onProgress?: (done: number, total: number) => void,
  reading: ParagraphReading = 'alone',
): Promise<TrainingIndex> {
  const sources = [...new Set(chunks.map((c) => c.meta.source))].sort();
  const known = sources.map(() => new Array<number>(model.knownConcepts).fill(0));
  const unknown = sources.map(() => new Array<number>(model.unknownConcepts).fill(0));
  const segments: (SegmentSignature & { bigrams: Set<number> })[] = [];
  const n = model.knownConcepts;
  const m = model.unknownConcepts;
  // Slices of the corpus at a time: the weights of every position of every chunk would not fit
  // in memory (27k chunks × 128 positions × 660 concepts × 4 bytes is about 9 GB).
  for (let from = 0; from < chunks.length; from += SLICE) {
    const slice = chunks.slice(from, from + SLICE).map((chunk) => ({
      chunk,
      windows: readingWindows(chunk, model.contextLength, reading),
    }));
    const inputs = slice.flatMap(({ windows }) => windows.map((w) => w.input));
    const weights = await weightsOf(inputs);
    let next = 0;
    slice.forEach(({ chunk, windows }, i) => {
      const read = windows.map((w) => ({ ...w, weights: weights[next++] }));
      indexChunk(chunk, from + i, read);
    });
    onProgress?.(Math.min(from + SLICE, chunks.length), chunks.length);
  }
  function indexChunk(
    { meta }: IndexedChunk,
    c: number,
    windows: (ReadingWindow & { weights: { k: Float32Array; u: Float32Array } })[],
  ): void {
    const s = sources.indexOf(meta.source);
    const mean = (from: number, to: number, width: number, data: Float32Array) => {
      const row = new Float64Array(width);
      for (let p = from; p < to; p++) for (let i = 0; i < width; i++) row[i] += data[p * width + i];
      for (let i = 0; i < width; i++) row[i] /= Math.max(1, to - from);
      return row;
    };
    // The source matrix reads each chunk once, in its first window.
    const [first] = windows;
    mean(0, first.input.length, n, first.weights.k).forEach((w, i) => (known[s][i] += w));
    mean(0, first.input.length, m, first.weights.u).forEach((w, i) => (unknown[s][i] += w));
    for (const { paragraphs: spans, weights } of windows) {
      for (const { start, end, from, to } of spans) {
        const symbols: number[] = [];
        for (let p = from; p < to; p++) {
          symbols.push(conceptSymbol(weights.k, weights.u, p, n, m));
        }
        segments.push({
          chunk: c,
          start: meta.start + start,
          end: meta.start + end,
          known: topWeights(mean(from, to, n, weights.k), KNOWN_SLOTS),
          unknown: topWeights(mean(from, to, m, weights.u), UNKNOWN_SLOTS),
          sequence: [],
          bigrams: conceptBigrams(symbols),
        });
      }
    }
  }
  // Each segment keeps its rarest bigrams, with their frequency over every segment's bigrams.
  const frequency = new Map<number, number>();
  for (const { bigrams } of segments) {
    for (const b of bigrams) frequency.set(b, (frequency.get(b) ?? 0) + 1);
  }
  const signatures = segments.map(({ bigrams, ...segment }): SegmentSignature => {
    const rarest = [...bigrams]
      .map((b): [number, number] => [b, frequency.get(b) ?? 1])
      .sort((a, b) => a[1] - b[1] || a[0] - b[0])
      .slice(0, SEQUENCE_SLOTS)
      .map(([b, f]): [number, number] => [b, bigramIdf(segments.length, f)]);
    return { ...segment, sequence: rarest };
  });
  const normalise = (rows: number[][]) => {
    const width = rows[0]?.length ?? 0;
    for (let i = 0; i < width; i++) {
      const total = rows.reduce((sum, r) => sum + r[i], 0);
      for (const r of rows) r[i] = total > 0 ? Math.round((r[i] / total) * 1e4) / 1e4 : 0;
    }
    return rows;
  };
  return {
    chunks: chunks.map(({ meta }) => ({
      chunk: meta.id,
      source: meta.source,
      document: meta.document,
      start: meta.start,
      end: meta.end,
      licence: meta.licence,
      sha256: meta.sha256,
    })),
    segments: signatures,
    sourceByConcept: { sources, known: normalise(known), unknown: normalise(unknown) },
  };
}

/** For each unknown concept, the training chunks whose segments use it most (exemplars). */
export function exemplars(index: TrainingIndex, concepts: number, perConcept = 3): string[][] {
  const best = Array.from({ length: concepts }, () => new Map<number, number>());
  for (const s of index.segments) {
    for (const [id, w] of s.unknown) {
      best[id].set(s.chunk, Math.max(best[id].get(s.chunk) ?? 0, w));
    }
  }
  return best.map((byChunk) =>
    [...byChunk.entries()]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, perConcept)
      .map(([chunk]) => index.chunks[chunk].chunk),
  );
}
