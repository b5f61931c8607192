import { logitRow, logSumExp } from 'src/model-runtime/attributions';
import { ForwardOutputs, noSteering, runForward } from 'src/model-runtime/forward';
import { LoadedModel } from 'src/model-runtime/loaded-model';
import { PAD } from 'src/model-package/tokenizer';
import {
  HeldOutFigures,
  heldOutSequences,
  ModelEvaluation,
  PositionFigures,
} from 'training/eval/heldout-figures';
import { LabelledChunk } from 'training/train/data';

// Hoisted: code run inside a vm context (Jest) pays a slow global lookup for each `Math.abs`.
const { abs, max } = Math;

/**
 * Sequences per onnxruntime run. Measured on this machine with the shipped model (127 tokens per
 * sequence): 8 per run took 6–8 ms a sequence, 16–32 per run 10–14 ms; a larger batch's outputs
 * (the logits alone are 16 MB for 8 sequences) cost more to allocate and read than they save.
 */
export const EVAL_BATCH = 8;

/**
 * Position `t` of batch row `b`, predicting `target`. The target logit is read from the served
 * logits (not the graph's `target_logit`), so the completeness error measures what a client sees.
 */
export function positionFigures(
  out: ForwardOutputs,
  b: number,
  t: number,
  target: number,
  shapes: { knownConcepts: number; unknownConcepts: number; vocabSize: number },
): PositionFigures {
  const { knownConcepts: n, unknownConcepts: m, vocabSize: V } = shapes;
  const p = b * out.length + t;
  const row = logitRow(out, b, t, V);
  const logit = row[target];
  let knownAbs = 0;
  let total = 0;
  for (let c = p * n; c < (p + 1) * n; c++) {
    knownAbs += abs(out.knownContrib[c]);
    total += out.knownContrib[c];
  }
  let unknownAbs = 0;
  for (let c = p * m; c < (p + 1) * m; c++) {
    unknownAbs += abs(out.unknownContrib[c]);
    total += out.unknownContrib[c];
  }
  const eps = out.epsContrib[p];
  return {
    logProb: logit - logSumExp(row),
    knownAbs,
    unknownAbs,
    epsAbs: abs(eps),
    completenessError: abs(total + eps - logit),
  };
}

interface Window {
  chunk: number;
  /** [BOS, ...tokens]: reads all but the last, predicts all but the first. */
  ids: number[];
}

function padded(ids: readonly number[], length: number): number[] {
  return [...ids, ...new Array<number>(length - ids.length).fill(PAD)];
}

/**
 * The model-side figures of `model:eval` for a model package, through the graph the service runs:
 * the same windows, positions and arithmetic as the tfjs evaluation of a run. Windows run in
 * batches of similar length, padded with [PAD] at the end (the causal mask keeps padding from
 * reaching any real position), and each batch's outputs are reduced before the next runs.
 */
export async function evaluatePackage(
  model: LoadedModel,
  chunks: LabelledChunk[],
  onProgress: (done: number, total: number) => void = () => undefined,
  batchSize = EVAL_BATCH,
): Promise<ModelEvaluation> {
  const { shapes } = model;
  const n = shapes.knownConcepts;
  const windows: Window[] = heldOutSequences(chunks, shapes.contextLength).flatMap((seqs, chunk) =>
    seqs.filter((ids) => ids.length >= 2).map((ids) => ({ chunk, ids })),
  );
  const order = windows
    .map((_, i) => i)
    .sort((a, b) => windows[b].ids.length - windows[a].ids.length || a - b);
  const best = chunks.map(() => new Float32Array(n));
  const figures = new HeldOutFigures(n);
  const steering = noSteering(model);
  for (let start = 0; start < order.length; start += batchSize) {
    const members = order.slice(start, start + batchSize).map((i) => windows[i]);
    const length = members[0].ids.length - 1;
    const out = await runForward(
      model,
      members.map((w) => padded(w.ids.slice(0, -1), length)),
      members.map((w) => padded(w.ids.slice(1), length)),
      steering,
    );
    members.forEach((w, b) => {
      const chunkBest = best[w.chunk];
      for (let t = 0; t < w.ids.length - 1; t++) {
        figures.addPosition(positionFigures(out, b, t, w.ids[t + 1], shapes));
        const p = (b * length + t) * n;
        for (let c = 0; c < n; c++) chunkBest[c] = max(chunkBest[c], out.knownProb[p + c]);
      }
    });
    onProgress(Math.min(start + batchSize, order.length), order.length);
  }
  chunks.forEach((chunk, i) => figures.addChunk(best[i], chunk.labels));
  return figures.result();
}
