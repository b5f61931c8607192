import { BOS, EOC, MASK } from 'src/model-training/tokenizer/bpe';
import { Random } from 'src/model-training/train/random';

/** One chunk, tokenized, with its known-concept labels. */
export interface LabelledChunk {
  document: string;
  ids: number[];
  labels: number[];
}

/**
 * The training stream: the chunks of each document in order, each closed by [EOC], documents
 * opened by [BOS]. Every token remembers which chunk it came from, so chunk-level concept labels
 * apply to exactly the positions of their chunk.
 */
export interface TokenStream {
  tokens: Int32Array;
  /** Per token: index into `chunkLabels`. */
  chunkOf: Int32Array;
  chunkLabels: number[][];
}

export function buildStream(chunks: LabelledChunk[]): TokenStream {
  const tokens: number[] = [];
  const chunkOf: number[] = [];
  const chunkLabels: number[][] = [];
  let document = '';
  for (const chunk of chunks) {
    const index = chunkLabels.length;
    chunkLabels.push(chunk.labels);
    if (chunk.document !== document) {
      tokens.push(BOS);
      chunkOf.push(index);
      document = chunk.document;
    }
    for (const id of [...chunk.ids, EOC]) {
      tokens.push(id);
      chunkOf.push(index);
    }
  }
  return { tokens: Int32Array.from(tokens), chunkOf: Int32Array.from(chunkOf), chunkLabels };
}

export interface Batch {
  /** [B, T] inputs, some replaced by [MASK]. */
  inputs: Int32Array;
  /** [B, T] next-token targets (never masked). */
  targets: Int32Array;
  /** [B·T] segment index per position: one segment per (window, chunk) pair. */
  segmentOf: Int32Array;
  /** [segments × n] multi-hot labels of each segment's chunk. */
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
): Batch {
  const inputs = new Int32Array(batchSize * length);
  const targets = new Int32Array(batchSize * length);
  const segmentOf = new Int32Array(batchSize * length);
  const segmentChunks: number[] = [];
  for (let b = 0; b < batchSize; b++) {
    const start = random.int(stream.tokens.length - length - 1);
    let lastChunk = -1;
    for (let t = 0; t < length; t++) {
      const i = b * length + t;
      const token = stream.tokens[start + t];
      inputs[i] = t > 0 && random.next() < maskRate ? MASK : token;
      targets[i] = stream.tokens[start + t + 1];
      // The label belongs to the chunk of the token being predicted.
      const chunk = stream.chunkOf[start + t + 1];
      if (chunk !== lastChunk) {
        segmentChunks.push(chunk);
        lastChunk = chunk;
      }
      segmentOf[i] = segmentChunks.length - 1;
    }
  }
  const segmentLabels = new Float32Array(segmentChunks.length * knownConcepts);
  segmentChunks.forEach((chunk, s) => {
    for (const c of stream.chunkLabels[chunk]) segmentLabels[s * knownConcepts + c] = 1;
  });
  return {
    inputs,
    targets,
    segmentOf,
    segmentLabels,
    segments: segmentChunks.length,
    batchSize,
    length,
  };
}
