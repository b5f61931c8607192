import { CorpusChunk } from 'src/model-training/corpus/build-corpus';
import { ConceptWeightsRunner } from 'src/model-runtime/concept-weights';
import { ModelConfig } from 'src/model-training/model/model';
import { BOS } from 'src/model-training/tokenizer/bpe';
import { ChunkProvenance } from 'src/model-package/model-package';
import {
  KNOWN_SLOTS,
  SegmentSignature,
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
 * The training-data index, from the exported model run over every training chunk: each paragraph
 * of a chunk gets the mean concept weights of the positions that read it (in the chunk's
 * context), and a source × concept matrix sums the chunks' weights per source. Part 2 compares a
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
  const segments: SegmentSignature[] = [];
  const n = model.knownConcepts;
  const m = model.unknownConcepts;
  const inputs = chunks.map(({ ids }) => [BOS, ...ids].slice(0, model.contextLength));
  // Slices of the corpus at a time: the weights of every position of every chunk would not fit
  // in memory (27k chunks × 128 positions × 660 concepts × 4 bytes is about 9 GB).
  for (let from = 0; from < chunks.length; from += SLICE) {
    const slice = chunks.slice(from, from + SLICE);
    const weights = await weightsOf(inputs.slice(from, from + SLICE));
    slice.forEach((chunk, i) => indexChunk(chunk, from + i, inputs[from + i], weights[i]));
    onProgress?.(Math.min(from + SLICE, chunks.length), chunks.length);
  }
  function indexChunk(
    { meta, ends }: IndexedChunk,
    c: number,
    input: number[],
    { k, u }: { k: Float32Array; u: Float32Array },
  ): void {
    const s = sources.indexOf(meta.source);
    const mean = (from: number, to: number, width: number, data: Float32Array) => {
      const row = new Float64Array(width);
      for (let p = from; p < to; p++) for (let i = 0; i < width; i++) row[i] += data[p * width + i];
      for (let i = 0; i < width; i++) row[i] /= Math.max(1, to - from);
      return row;
    };
    mean(0, input.length, n, k).forEach((w, i) => (known[s][i] += w));
    mean(0, input.length, m, u).forEach((w, i) => (unknown[s][i] += w));
    for (const [start, end] of paragraphs(meta.text)) {
      // Position p reads token p − 1 (position 0 reads [BOS]) and predicts token p: the
      // positions that predict the paragraph's tokens, first … last, as the runtime takes the
      // positions that predict a generated chunk's tokens.
      const first = ends.findIndex((e) => e > start);
      let last = -1;
      ends.forEach((e, i) => {
        if (e <= end) last = i;
      });
      const from = first;
      const to = Math.min(last + 1, input.length);
      if (first < 0 || to <= from) continue;
      segments.push({
        chunk: c,
        start: meta.start + start,
        end: meta.start + end,
        known: topWeights(mean(from, to, n, k), KNOWN_SLOTS),
        unknown: topWeights(mean(from, to, m, u), UNKNOWN_SLOTS),
      });
    }
  }
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
    segments,
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
