import * as ort from 'onnxruntime-node';
import { SESSION_OPTIONS } from 'src/model-runtime/loaded-model';
import { PAD } from 'src/model-package/tokenizer';

/** Concept weights at every position of one sequence: [T × n] and [T × m], row-major. */
export interface SequenceWeights {
  k: Float32Array;
  u: Float32Array;
}

export type ConceptWeightsRunner = (
  inputs: readonly (readonly number[])[],
) => Promise<SequenceWeights[]>;

const BATCH = 16;

/**
 * Runs an exported model over many sequences for their concept weights (no steering), in batches
 * of similar length padded with [PAD] at the end; the causal mask keeps padding from changing any
 * real position. This is how the training-data index is built: by the very graph that serves.
 */
export async function conceptWeightsRunner(
  onnx: Uint8Array,
  shapes: { knownConcepts: number; unknownConcepts: number },
): Promise<ConceptWeightsRunner> {
  const session = await ort.InferenceSession.create(onnx, SESSION_OPTIONS);
  const n = shapes.knownConcepts;
  const m = shapes.unknownConcepts;
  return async (inputs) => {
    const order = inputs
      .map((_, i) => i)
      .sort((a, b) => inputs[a].length - inputs[b].length || a - b);
    const results = new Array<SequenceWeights>(inputs.length);
    for (let b = 0; b < order.length; b += BATCH) {
      const members = order.slice(b, b + BATCH);
      const T = Math.max(...members.map((i) => inputs[i].length));
      const ids = new BigInt64Array(members.length * T).fill(BigInt(PAD));
      members.forEach((i, row) => inputs[i].forEach((id, t) => (ids[row * T + t] = BigInt(id))));
      const shape = [members.length, T];
      const out = await session.run(
        {
          input_ids: new ort.Tensor('int64', ids, shape),
          target_ids: new ort.Tensor('int64', ids, shape),
          known_keep: new ort.Tensor('float32', new Float32Array(n).fill(1), [n]),
          known_value: new ort.Tensor('float32', new Float32Array(n), [n]),
          unknown_keep: new ort.Tensor('float32', new Float32Array(m).fill(1), [m]),
          unknown_value: new ort.Tensor('float32', new Float32Array(m), [m]),
        },
        ['known_w', 'unknown_w'],
      );
      const k = out.known_w.data as Float32Array;
      const u = out.unknown_w.data as Float32Array;
      members.forEach((i, row) => {
        const length = inputs[i].length;
        results[i] = {
          k: k.slice(row * T * n, (row * T + length) * n),
          u: u.slice(row * T * m, (row * T + length) * m),
        };
      });
    }
    return results;
  };
}
