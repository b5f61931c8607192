import { backbone, ModelConfig, Params } from 'training/model/model';
import { matMul, tf } from 'training/model/tf';
import { BOS } from 'src/model-package/tokenizer';
import { LabelledChunk } from 'training/train/data';

/**
 * Held-out perplexity per token, with the same sequences as the n-gram baselines: each chunk on
 * its own, [BOS] first, every token after it predicted (long chunks in windows of the context
 * length, each window restarting from [BOS]). At inference the concept layer recomposes h exactly
 * (known + unknown + ε = h), so the logits are h·E_tokᵀ.
 */
export function heldOutPerplexity(
  params: Params,
  config: ModelConfig,
  chunks: LabelledChunk[],
  maxSequences = Infinity,
): number {
  let nll = 0;
  let count = 0;
  const T = config.contextLength;
  const sequences: number[][] = [];
  for (const c of chunks) {
    for (let i = 0; i < c.ids.length; i += T - 1)
      sequences.push([BOS, ...c.ids.slice(i, i + T - 1)]);
    if (sequences.length >= maxSequences) break;
  }
  for (const seq of sequences.slice(0, maxSequences)) {
    tf.tidy(() => {
      const ids = tf.tensor2d([seq.slice(0, -1)], [1, seq.length - 1], 'int32');
      const h = backbone(params, config, ids);
      const logits = matMul(h, tf.transpose(params.tokenEmbedding) as tf.Tensor2D);
      const logProbs = tf.logSoftmax(logits).arraySync();
      for (let t = 0; t < seq.length - 1; t++) nll -= logProbs[t][seq[t + 1]];
      count += seq.length - 1;
    });
  }
  return Math.exp(nll / count);
}

/**
 * The negative log-likelihood of `ids[from..]` given what precedes them, under the backbone
 * (h·E_tokᵀ): how a reference model scores a continuation. `ids` starts with [BOS] and fits the
 * context.
 */
export function continuationNll(
  params: Params,
  config: ModelConfig,
  ids: number[],
  from: number,
): { nll: number; tokens: number } {
  if (ids.length < 2 || from < 1 || from >= ids.length) return { nll: 0, tokens: 0 };
  return tf.tidy(() => {
    const input = tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32');
    const h = backbone(params, config, input);
    const logProbs = tf
      .logSoftmax(matMul(h, tf.transpose(params.tokenEmbedding) as tf.Tensor2D))
      .arraySync();
    let nll = 0;
    for (let t = from; t < ids.length; t++) nll -= logProbs[t - 1][ids[t]];
    return { nll, tokens: ids.length - from };
  });
}
