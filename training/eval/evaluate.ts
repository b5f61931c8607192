import { forward, ModelConfig, Params } from 'training/model/model';
import { matMul, tf } from 'training/model/tf';
import { HeldOutFigures, heldOutSequences, ModelEvaluation } from 'training/eval/heldout-figures';
import { LabelledChunk } from 'training/train/data';

/**
 * The model-side figures of `model:eval` for a training run, all from one pass over the held-out
 * chunks: perplexity, concept detection against the labeller's chunk labels, and the
 * decomposition of every target logit (shares and the completeness error).
 */
export function evaluateModel(
  params: Params,
  config: ModelConfig,
  chunks: LabelledChunk[],
): ModelEvaluation {
  const n = config.knownConcepts;
  const figures = new HeldOutFigures(n);
  const sequences = heldOutSequences(chunks, config.contextLength);
  chunks.forEach((chunk, c) => {
    const best = new Float32Array(n).fill(0);
    for (const seq of sequences[c]) {
      if (seq.length < 2) continue;
      const input = seq.slice(0, -1);
      const target = seq.slice(1);
      tf.tidy(() => {
        const out = forward(params, config, tf.tensor2d([input], [1, input.length], 'int32'));
        const row = tf.gather(params.tokenEmbedding, tf.tensor1d(target, 'int32')) as tf.Tensor2D;
        const knownEffect = matMul(row, tf.transpose(params.knownEmbedding) as tf.Tensor2D);
        const unknownEffect = matMul(row, tf.transpose(params.unknownEmbedding) as tf.Tensor2D);
        const knownContrib = tf.mul(out.knownWeights, knownEffect);
        const unknownContrib = tf.mul(out.unknownWeights, unknownEffect);
        const epsContrib = tf.sum(tf.mul(out.epsilon, row), -1);
        const total = tf.add(
          tf.add(tf.sum(knownContrib, -1), tf.sum(unknownContrib, -1)),
          epsContrib,
        );
        const logits = out.logits;
        const targetLogit = tf.sum(
          tf.mul(logits, tf.oneHot(tf.tensor1d(target, 'int32'), config.vocabSize)),
          -1,
        );
        const logProb = tf.sub(targetLogit, tf.logSumExp(logits, -1));
        const absKnown = tf.sum(tf.abs(knownContrib), -1).dataSync();
        const absUnknown = tf.sum(tf.abs(unknownContrib), -1).dataSync();
        const absEps = tf.abs(epsContrib).dataSync();
        const totals = total.dataSync();
        const targets = targetLogit.dataSync();
        const lp = logProb.dataSync();
        for (let t = 0; t < target.length; t++) {
          figures.addPosition({
            logProb: lp[t],
            knownAbs: absKnown[t],
            unknownAbs: absUnknown[t],
            epsAbs: absEps[t],
            completenessError: Math.abs(totals[t] - targets[t]),
          });
        }
        const probs = tf.max(tf.sigmoid(out.knownLogits), 0).dataSync();
        for (let i = 0; i < n; i++) best[i] = Math.max(best[i], probs[i]);
      });
    }
    figures.addChunk(best, chunk.labels);
  });
  return figures.result();
}
