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

/** A stretch of a chunk the model reads at once, and the paragraphs indexed from it. */
export interface ReadingWindow {
  /** Where the window starts in [BOS, ...ids]: position p reads token offset + p. */
  offset: number;
  /** Token ids read: [BOS] and the chunk's first tokens, or a later stretch of the chunk. */
  input: number[];
  /**
   * Paragraphs read in this window: character span in the chunk, and the positions [from, to)
   * that predict the paragraph's tokens.
   */
  paragraphs: { start: number; end: number; from: number; to: number }[];
}

/**
 * Where each paragraph of a chunk is read. Training reads random windows of the token stream, so
 * a chunk longer than the context is learned whole; the index must read it whole too. A
 * paragraph inside the first window is read there; a later one in a window that ends with it
 * (the most earlier context that fits), or that starts with it when it alone exceeds the
 * context. The first window is always read: the source matrix uses it.
 */
export function readingWindows(
  { meta, ids, ends }: IndexedChunk,
  context: number,
): ReadingWindow[] {
  // Position p of a window at offset o reads sequence[o + p] and predicts ids[o + p].
  const sequence = [BOS, ...ids];
  const windows = new Map<number, ReadingWindow>();
  const windowAt = (offset: number) => {
    let window = windows.get(offset);
    if (!window) {
      window = { offset, input: sequence.slice(offset, offset + context), paragraphs: [] };
      windows.set(offset, window);
    }
    return window;
  };
  windowAt(0);
  for (const [start, end] of paragraphs(meta.text)) {
    const first = ends.findIndex((e) => e > start);
    let last = -1;
    ends.forEach((e, i) => {
      if (e <= end) last = i;
    });
    if (first < 0 || last < first) continue;
    const offset = last < context ? 0 : Math.min(first, last - context + 1);
    const window = windowAt(offset);
    const to = Math.min(last + 1 - offset, window.input.length);
    window.paragraphs.push({ start, end, from: first - offset, to });
  }
  return [...windows.values()].sort((a, b) => a.offset - b.offset);
}

/**
 * The training-data index, from the exported model run over every training chunk: each paragraph
 * of a chunk gets the mean concept weights of the positions that read it (in the chunk's
 * context) and its rarest concept bigrams, and a source × concept matrix sums the chunks'
 * weights per source. Part 2 compares a
 * generation's concept use with these; that is similarity in the model's concept space, not a
 * measure of causal influence.
 */
export async function buildTrainingIndex(
  model: ModelConfig,
  chunks: IndexedChunk[],
  weightsOf: ConceptWeightsRunner,
  onProgress?: (done: number, total: number) => void,
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
      windows: readingWindows(chunk, model.contextLength),
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
