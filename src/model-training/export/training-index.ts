import { CorpusChunk } from 'src/model-training/corpus/build-corpus';
import { forward, ModelConfig, Params } from 'src/model-training/model/model';
import { tf } from 'src/model-training/model/tf';
import { BOS } from 'src/model-training/tokenizer/bpe';
import { ChunkSignature } from 'src/model-package/model-package';

export interface TrainingIndex {
  signatures: ChunkSignature[];
  /** Per source, the share of each concept's total weight that its chunks carry. */
  sourceByConcept: { sources: string[]; known: number[][]; unknown: number[][] };
}

const KEEP = 16;

function sparse(values: Float32Array, keep: number): [number, number][] {
  return Array.from(values, (w, id) => [id, w] as [number, number])
    .filter(([, w]) => w > 1e-4)
    .sort((a, b) => b[1] - a[1])
    .slice(0, keep)
    .map(([id, w]) => [id, Math.round(w * 1e4) / 1e4]);
}

/**
 * The training-data index: each training chunk described by the concepts the model itself uses
 * on it (mean weight over its tokens), and a source × concept matrix. Part 2 compares a
 * generation's concept use with these; that is similarity in the model's concept space, not a
 * measure of causal influence.
 */
export function buildTrainingIndex(
  params: Params,
  model: ModelConfig,
  chunks: { meta: CorpusChunk; ids: number[] }[],
  onProgress?: (done: number, total: number) => void,
): TrainingIndex {
  const sources = [...new Set(chunks.map((c) => c.meta.source))].sort();
  const known = sources.map(() => new Array<number>(model.knownConcepts).fill(0));
  const unknown = sources.map(() => new Array<number>(model.unknownConcepts).fill(0));
  const signatures = chunks.map(({ meta, ids }, i) => {
    const input = [BOS, ...ids].slice(0, model.contextLength);
    const [k, u] = tf.tidy(() => {
      const out = forward(params, model, tf.tensor2d([input], [1, input.length], 'int32'));
      return [
        tf.mean(out.knownWeights, 0).dataSync() as Float32Array,
        tf.mean(out.unknownWeights, 0).dataSync() as Float32Array,
      ];
    });
    const s = sources.indexOf(meta.source);
    k.forEach((w, c) => (known[s][c] += w));
    u.forEach((w, c) => (unknown[s][c] += w));
    if (onProgress && i % 500 === 0) onProgress(i, chunks.length);
    return {
      chunk: meta.id,
      source: meta.source,
      document: meta.document,
      start: meta.start,
      end: meta.end,
      licence: meta.licence,
      sha256: meta.sha256,
      known: sparse(k, KEEP),
      unknown: sparse(u, KEEP),
    };
  });
  const normalise = (rows: number[][]) => {
    const width = rows[0]?.length ?? 0;
    for (let c = 0; c < width; c++) {
      const total = rows.reduce((sum, r) => sum + r[c], 0);
      for (const r of rows) r[c] = total > 0 ? Math.round((r[c] / total) * 1e4) / 1e4 : 0;
    }
    return rows;
  };
  return {
    signatures,
    sourceByConcept: { sources, known: normalise(known), unknown: normalise(unknown) },
  };
}

/** For each unknown concept, the training chunks that use it most (exemplars for the dictionary). */
export function exemplars(index: TrainingIndex, concepts: number, perConcept = 3): string[][] {
  const best: [string, number][][] = Array.from({ length: concepts }, () => []);
  for (const s of index.signatures) {
    for (const [id, w] of s.unknown) {
      const list = best[id];
      list.push([s.chunk, w]);
      list.sort((a, b) => b[1] - a[1]);
      if (list.length > perConcept) list.pop();
    }
  }
  return best.map((list) => list.map(([chunk]) => chunk));
}
