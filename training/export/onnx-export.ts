import { ModelConfig, Params } from 'training/model/model';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT64 } from 'training/export/onnx-graph';

const NORM_EPS = 1e-6;

/**
 * The trained model as an ONNX graph (opset 17, IR 8) with the inputs and outputs of the model
 * contract (DESIGN.md §4, MODEL-NOTES §4.5): logits, the concept weights before and after top-k
 * and steering, each concept's contribution to the logit of `target_ids`, ε's, and the target
 * logit. ε is computed from the un-steered weights, so steering moves logits by exactly
 * Δweight × effect.
 */
export function exportOnnx(params: Params, config: ModelConfig): Uint8Array {
  const g = new GraphBuilder();
  const { dModel: d, heads: H, knownConcepts: n, unknownConcepts: m, vocabSize: V } = config;
  const hd = d / H;
  const weight = (name: string) =>
    g.floatTensor(name, params[name].shape, params[name].dataSync() as Float32Array);

  const inputIds = g.input('input_ids', ONNX_INT64, ['batch', 'seq']);
  const targetIds = g.input('target_ids', ONNX_INT64, ['batch', 'seq']);
  const knownKeep = g.input('known_keep', ONNX_FLOAT, [n]);
  const knownValue = g.input('known_value', ONNX_FLOAT, [n]);
  const unknownKeep = g.input('unknown_keep', ONNX_FLOAT, [m]);
  const unknownValue = g.input('unknown_value', ONNX_FLOAT, [m]);

  const tokenEmbedding = weight('tokenEmbedding');
  const eps = g.scalar('norm_eps', NORM_EPS);
  const one = g.scalar('one', 1);
  const axisMinus1 = g.int64Tensor('axis_minus1', [-1]);
  const rmsNorm = (x: string, gain: string) => {
    const meanSquare = g.node('ReduceMean', [g.node('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const rms = g.node('Sqrt', [g.node('Add', [meanSquare, eps])]);
    return g.node('Mul', [g.node('Div', [x, rms]), weight(gain)]);
  };

  // Embeddings: token rows, plus the first T rows of the position table.
  const seqLen = g.node('Gather', [g.node('Shape', [inputIds]), g.int64Tensor('one_index', [1])], {
    axis: 0,
  });
  const zero = g.int64Tensor('zero_start', [0]);
  const positions = g.node('Slice', [weight('positionEmbedding'), zero, seqLen, zero]);
  let x = g.node('Add', [g.node('Gather', [tokenEmbedding, inputIds], { axis: 0 }), positions]);

  // The causal mask: 0 on and below the diagonal, -1e9 above, cut to the sequence length.
  const T = config.contextLength;
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
  const maskFull = g.floatTensor('causal_mask', [T, T], mask);
  const axes01 = g.int64Tensor('axes_01', [0, 1]);
  const seqLen2 = g.node('Concat', [seqLen, seqLen], { axis: 0 });
  const causal = g.node('Slice', [maskFull, g.int64Tensor('zero_start2', [0, 0]), seqLen2, axes01]);
  const splitHeads = g.int64Tensor('split_heads', [0, 0, H, hd]);
  const mergeHeads = g.int64Tensor('merge_heads', [0, 0, d]);
  const scale = g.scalar('attention_scale', Math.sqrt(hd));

  for (let l = 0; l < config.layers; l++) {
    const a = rmsNorm(x, `l${l}.attnNorm`);
    const heads = (w: string, perm: number[]) =>
      g.node(
        'Transpose',
        [g.node('Reshape', [g.node('MatMul', [a, weight(`l${l}.${w}`)]), splitHeads])],
        {
          perm,
        },
      );
    const q = heads('wq', [0, 2, 1, 3]);
    const kT = heads('wk', [0, 2, 3, 1]);
    const v = heads('wv', [0, 2, 1, 3]);
    const scores = g.node('Add', [g.node('Div', [g.node('MatMul', [q, kT]), scale]), causal]);
    const attended = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]);
    const merged = g.node('Reshape', [
      g.node('Transpose', [attended], { perm: [0, 2, 1, 3] }),
      mergeHeads,
    ]);
    x = g.node('Add', [x, g.node('MatMul', [merged, weight(`l${l}.wo`)])]);
    const f = rmsNorm(x, `l${l}.ffnNorm`);
    const hidden = g.node('MatMul', [f, weight(`l${l}.w1`)]);
    const silu = g.node('Mul', [hidden, g.node('Sigmoid', [hidden])]);
    x = g.node('Add', [x, g.node('MatMul', [silu, weight(`l${l}.w2`)])]);
  }
  const h = rmsNorm(x, 'finalNorm');

  // Concept heads: sigmoid, top-k mask (TopK → its smallest kept value → ≥), then steering.
  const head = (w: string, b: string, k: number, input: string) => {
    const prob = g.node('Sigmoid', [
      g.node('Add', [g.node('MatMul', [input, weight(w)]), weight(b)]),
    ]);
    const [values] = g.nodeN('TopK', [prob, g.int64Tensor(`${w}_k`, [k])], 2, { axis: -1 });
    const threshold = g.node('ReduceMin', [values], { axes: [-1], keepdims: 1 });
    const keep = g.node('Cast', [g.node('GreaterOrEqual', [prob, threshold])], { to: ONNX_FLOAT });
    return { prob, weights: g.node('Mul', [prob, keep]) };
  };
  const steer = (w: string, keep: string, value: string) =>
    g.node('Add', [g.node('Mul', [w, keep]), g.node('Mul', [g.node('Sub', [one, keep]), value])]);
  const known = head('knownWeight', 'knownBias', config.knownTopK, h);
  const unknown = head('unknownWeight', 'unknownBias', config.unknownTopK, h);
  const knownEmbedding = weight('knownEmbedding');
  const unknownEmbedding = weight('unknownEmbedding');
  const knownW = steer(known.weights, knownKeep, knownValue);
  const unknownW = steer(unknown.weights, unknownKeep, unknownValue);
  // ε from the un-steered parts: steering must not leak into the residual.
  const epsilon = g.node('Sub', [
    g.node('Sub', [h, g.node('MatMul', [known.weights, knownEmbedding])]),
    g.node('MatMul', [unknown.weights, unknownEmbedding]),
  ]);
  const knownFeatures = g.node('MatMul', [knownW, knownEmbedding]);
  const unknownFeatures = g.node('MatMul', [unknownW, unknownEmbedding]);
  const composed = g.node('Add', [g.node('Add', [knownFeatures, unknownFeatures]), epsilon]);
  const logits = g.node('MatMul', [
    composed,
    g.node('Transpose', [tokenEmbedding], { perm: [1, 0] }),
  ]);

  // Contributions to the logit of each position's target token.
  const targetRow = g.node('Gather', [tokenEmbedding, targetIds], { axis: 0 });
  const effect = (embedding: string) =>
    g.node('MatMul', [targetRow, g.node('Transpose', [embedding], { perm: [1, 0] })]);
  const knownContrib = g.node('Mul', [knownW, effect(knownEmbedding)]);
  const unknownContrib = g.node('Mul', [unknownW, effect(unknownEmbedding)]);
  const rowDot = (a: string) =>
    g.node('ReduceSum', [g.node('Mul', [a, targetRow]), axisMinus1], { keepdims: 0 });

  const bt = ['batch', 'seq'];
  g.output('logits', logits, [...bt, V]);
  g.output('hidden', h, [...bt, d]);
  g.output('known_prob', known.prob, [...bt, n]);
  g.output('known_w', knownW, [...bt, n]);
  g.output('unknown_w', unknownW, [...bt, m]);
  g.output('known_features', knownFeatures, [...bt, d]);
  g.output('unknown_features', unknownFeatures, [...bt, d]);
  g.output('eps', epsilon, [...bt, d]);
  g.output('known_contrib', knownContrib, [...bt, n]);
  g.output('unknown_contrib', unknownContrib, [...bt, m]);
  g.output('eps_contrib', rowDot(epsilon), bt);
  g.output('target_logit', rowDot(composed), bt);
  return g.encode('interpretable_lm', 'Concept-bottleneck causal LM (interpretable-audit)');
}
