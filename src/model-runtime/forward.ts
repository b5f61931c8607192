import * as ort from 'onnxruntime-node';
import { LoadedModel } from 'src/model-runtime/loaded-model';

/** Head-level steering as the graph takes it: w ← w·keep + (1 − keep)·value, per concept. */
export interface HeadSteering {
  knownKeep: Float32Array;
  knownValue: Float32Array;
}

export function noSteering(model: LoadedModel): HeadSteering {
  return {
    knownKeep: new Float32Array(model.shapes.knownConcepts).fill(1),
    knownValue: new Float32Array(model.shapes.knownConcepts),
  };
}

/** The graph's outputs for a [B, T] batch, as flat row-major arrays. */
export interface ForwardOutputs {
  batch: number;
  length: number;
  logits: Float32Array;
  knownProb: Float32Array;
  knownW: Float32Array;
  unknownW: Float32Array;
  knownContrib: Float32Array;
  unknownContrib: Float32Array;
  epsContrib: Float32Array;
  targetLogit: Float32Array;
}

const OUTPUTS = [
  'logits',
  'known_prob',
  'known_w',
  'unknown_w',
  'known_contrib',
  'unknown_contrib',
  'eps_contrib',
  'target_logit',
] as const;

/**
 * One ORT run over B sequences of equal length: `inputs[b][t]` are the tokens read, `targets[b][t]`
 * the token whose logit each position explains.
 */
export async function runForward(
  model: LoadedModel,
  inputs: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  steering: HeadSteering,
): Promise<ForwardOutputs> {
  const out = await run(model, inputs, targets, steering, OUTPUTS);
  const data = (name: (typeof OUTPUTS)[number]) => out[name].data as Float32Array;
  return {
    batch: inputs.length,
    length: inputs[0].length,
    logits: data('logits'),
    knownProb: data('known_prob'),
    knownW: data('known_w'),
    unknownW: data('unknown_w'),
    knownContrib: data('known_contrib'),
    unknownContrib: data('unknown_contrib'),
    epsContrib: data('eps_contrib'),
    targetLogit: data('target_logit'),
  };
}

/**
 * The logits alone, for sampling: onnxruntime runs only the nodes the requested outputs need, so
 * the decomposition outputs cost nothing here.
 */
export async function runLogits(
  model: LoadedModel,
  input: readonly number[],
  steering: HeadSteering,
): Promise<Float32Array> {
  const targets = input.map(() => 0);
  const out = await run(model, [input], [targets], steering, ['logits']);
  return out.logits.data as Float32Array;
}

async function run(
  model: LoadedModel,
  inputs: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  steering: HeadSteering,
  outputs: readonly string[],
): Promise<ort.InferenceSession.OnnxValueMapType> {
  const B = inputs.length;
  const T = inputs[0]?.length ?? 0;
  if (B === 0 || T === 0) throw new Error('runForward needs at least one non-empty sequence');
  const ids = new BigInt64Array(B * T);
  const targetIds = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    if (inputs[b].length !== T || targets[b].length !== T) {
      throw new Error('runForward needs sequences of equal length');
    }
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = BigInt(inputs[b][t]);
      targetIds[b * T + t] = BigInt(targets[b][t]);
    }
  }
  const m = model.shapes.unknownConcepts;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', ids, [B, T]),
    target_ids: new ort.Tensor('int64', targetIds, [B, T]),
    known_keep: new ort.Tensor('float32', steering.knownKeep, [steering.knownKeep.length]),
    known_value: new ort.Tensor('float32', steering.knownValue, [steering.knownValue.length]),
    unknown_keep: new ort.Tensor('float32', new Float32Array(m).fill(1), [m]),
    unknown_value: new ort.Tensor('float32', new Float32Array(m), [m]),
  };
  return model.session.run(feeds, [...outputs]);
}
