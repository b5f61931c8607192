import { BOS, EOC, MASK } from 'src/model-package/tokenizer';
import { Random } from 'training/train/random';

/** One chunk, tokenized, with its known-concept labels. */
export interface LabelledChunk {
  document: string;
  ids: number[];
  labels: number[];
  /**
   * Parallel to `labels`: the index of the token at which the label's evidence is complete. From
   * that position on, a reader of the chunk knows the concept (the causal, per-token label).
   */
  onsets: number[];
  /**
   * Parallel to `labels`: the index of the token where each occurrence of the label's evidence
   * begins (absent in chunks built without it).
   */
  starts?: number[][];
}

/**
 * The training stream: the chunks of each document in order, each closed by [EOC], documents
 * opened by [BOS]. Every token remembers its chunk and its place in it, so a chunk's labels apply
 * to exactly its positions, each from its onset on.
 */
export interface TokenStream {
  tokens: Int32Array;
  /** Per token: index into `chunks`. */
  chunkOf: Int32Array;
  /** Per token: its index within the chunk ([BOS] is −1, [EOC] the chunk's length). */
  placeOf: Int32Array;
  chunks: { labels: number[]; onsets: number[]; starts?: number[][] }[];
}

export function buildStream(chunks: LabelledChunk[]): TokenStream {
  const tokens: number[] = [];
  const chunkOf: number[] = [];
  const placeOf: number[] = [];
  let document = '';
  chunks.forEach((chunk, index) => {
    if (chunk.document !== document) {
      tokens.push(BOS);
      chunkOf.push(index);
      placeOf.push(-1);
      document = chunk.document;
    }
    [...chunk.ids, EOC].forEach((id, place) => {
      tokens.push(id);
      chunkOf.push(index);
      placeOf.push(place);
    });
  });
  return {
    tokens: Int32Array.from(tokens),
    chunkOf: Int32Array.from(chunkOf),
    placeOf: Int32Array.from(placeOf),
    chunks: chunks.map((c) => ({ labels: c.labels, onsets: c.onsets, starts: c.starts })),
  };
}

export interface Batch {
  /** [B, T] inputs, some replaced by [MASK]. */
  inputs: Int32Array;
  /** [B, T] next-token targets (never masked). */
  targets: Int32Array;
  /**
   * [B·T × n] causal known-concept labels of each position: 1 where the position's chunk carries
   * the concept and its evidence has been read (at or before this input token).
   */
  positionLabels: Float32Array;
  /**
   * [B·T × n] the same labels, kept only for `recentWindow` tokens from each onset: the positions
   * just after a concept's evidence, where its own words are likeliest to come next (all zero when
   * no window is asked for).
   */
  recentLabels: Float32Array;
  /** [B·T] segment index per position: one segment per (window, chunk) pair. */
  segmentOf: Int32Array;
  /** [segments × n] multi-hot: the concepts whose evidence appears in the segment's positions. */
  segmentLabels: Float32Array;
  segments: number;
  batchSize: number;
  length: number;
}

/**
 * B random windows of T+1 tokens. 10% of the inputs (never the targets) become [MASK], so that
 * masking a context token at attribution time is something the model has seen.
 */
export function sampleBatch(
  stream: TokenStream,
  batchSize: number,
  length: number,
  knownConcepts: number,
  random: Random,
  maskRate = 0.1,
  recentWindow = 0,
): Batch {
  const n = knownConcepts;
  const inputs = new Int32Array(batchSize * length);
  const targets = new Int32Array(batchSize * length);
  const positionLabels = new Float32Array(batchSize * length * n);
  const recentLabels = new Float32Array(recentWindow > 0 ? batchSize * length * n : 0);
  const segmentOf = new Int32Array(batchSize * length);
  const segmentRows: number[][] = [];
  for (let b = 0; b < batchSize; b++) {
    const start = random.int(stream.tokens.length - length - 1);
    let lastChunk = -1;
    for (let t = 0; t < length; t++) {
      const i = b * length + t;
      const token = stream.tokens[start + t];
      inputs[i] = t > 0 && random.next() < maskRate ? MASK : token;
      targets[i] = stream.tokens[start + t + 1];
      // The position reads its input token: the labels are its chunk's, from their onsets on.
      const chunk = stream.chunkOf[start + t];
      if (chunk !== lastChunk) {
        segmentRows.push([]);
        lastChunk = chunk;
      }
      segmentOf[i] = segmentRows.length - 1;
      segmentRows[segmentRows.length - 1].push(i);
      const place = stream.placeOf[start + t];
      const { labels, onsets } = stream.chunks[chunk];
      labels.forEach((c, k) => {
        if (place < onsets[k]) return;
        positionLabels[i * n + c] = 1;
        if (place - onsets[k] < recentWindow) recentLabels[i * n + c] = 1;
      });
    }
  }
  const segmentLabels = new Float32Array(segmentRows.length * n);
  segmentRows.forEach((rows, s) => {
    for (const i of rows) {
      for (let c = 0; c < n; c++) {
        if (positionLabels[i * n + c] === 1) segmentLabels[s * n + c] = 1;
      }
    }
  });
  return {
    inputs,
    targets,
    positionLabels,
    recentLabels,
    segmentOf,
    segmentLabels,
    segments: segmentRows.length,
    batchSize,
    length,
  };
}

/** The token index at which a character offset's text has been read, or the last token. */
export function tokenAt(ends: readonly number[], offset: number): number {
  const i = ends.findIndex((end) => end >= offset);
  return i < 0 ? ends.length - 1 : i;
}
