/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { runLogits, noSteering } from 'src/model-runtime/forward';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { BOS } from 'src/model-package/tokenizer';
import { createLabeller, Labeller } from 'training/concepts/labeller';
import { buildCorpus, CorpusChunk, corpusOptions } from 'training/corpus/build-corpus';
import { SourceName } from 'training/corpus/sources';
import { evaluatePackage } from 'training/eval/onnx-eval';
import { LabelledChunk } from 'training/train/data';
import { labelChunk } from 'training/train/prepare';
import { testModel } from 'test/support/test-model';

// `model:eval` on the shipped package, through onnxruntime, on a slice of the real held-out split:
// the figures are finite and in range, every logit decomposes exactly, and the perplexity of the
// batched, padded evaluation is the one an unbatched run with its own log-softmax gives.

let runtime: ModelRuntime;
let labeller: Labeller;
let testSplit: CorpusChunk[];
/** Every 50th held-out chunk (`--every 50`): enough for a few concepts' AUROC, quick under Jest. */
let heldOut: LabelledChunk[];
const model = testModel();
const label = (chunk: CorpusChunk) => labelChunk(chunk, runtime.model.tokenizer, labeller);

beforeAll(async () => {
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
  labeller = createLabeller();
  // Built in memory (a few seconds), so the test neither needs nor writes build/; from the
  // sources the package was trained on, as its card's figures were.
  const sources = runtime.model.pkg.manifest.sources.map((s) => s.name as SourceName);
  testSplit = buildCorpus(corpusOptions(sources)).chunks.filter((c) => c.split === 'test');
  heldOut = testSplit.filter((_, i) => i % 50 === 0).map(label);
});

afterAll(async () => {
  await runtime.close();
});

/** exp(mean −log p(next token)) over the same windows, one sequence per run, in float64. */
async function independentPerplexity(chunks: LabelledChunk[]): Promise<number> {
  const T = runtime.model.shapes.contextLength;
  const V = runtime.model.shapes.vocabSize;
  let nll = 0;
  let count = 0;
  for (const chunk of chunks) {
    for (let start = 0; start < chunk.ids.length; start += T - 1) {
      const sequence = [BOS, ...chunk.ids.slice(start, start + T - 1)];
      const logits = await runLogits(
        runtime.model,
        sequence.slice(0, -1),
        noSteering(runtime.model),
      );
      for (let t = 0; t + 1 < sequence.length; t++) {
        const row = Array.from(logits.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((sum, l) => sum + Math.exp(l - max), 0));
        nll += logZ - row[sequence[t + 1]];
        count++;
      }
    }
  }
  return Math.exp(nll / count);
}

describe('model:eval on the shipped package', () => {
  it('gives finite figures in range on a slice of the held-out split, with exact completeness', async () => {
    const figures = await evaluatePackage(runtime.model, heldOut);
    const T = runtime.model.shapes.contextLength;
    const windows = heldOut.flatMap((c) =>
      Array.from({ length: Math.ceil(c.ids.length / (T - 1)) }, (_, w) =>
        Math.min(T - 1, c.ids.length - w * (T - 1)),
      ),
    );
    expect(figures.chunks).toBe(heldOut.length);
    expect(figures.tokens).toBe(windows.reduce((a, b) => a + b, 0));
    expect(figures.completenessMaxError).toBeLessThan(1e-4);
    for (const share of [figures.conceptShare, figures.knownShare]) {
      expect(share).toBeGreaterThan(0);
      expect(share).toBeLessThan(1);
    }
    expect(figures.knownShare).toBeLessThan(figures.conceptShare);
    // A wrong target, window or log-softmax lands far from the card; a shifted concept id or
    // a label list read against the wrong chunk would bring the AUROC near chance (0.5).
    const card = runtime.model.pkg.manifest.evaluation as { perplexity: number };
    expect(figures.perplexity / card.perplexity).toBeGreaterThan(0.85);
    expect(figures.perplexity / card.perplexity).toBeLessThan(1.15);
    expect(figures.conceptsScored).toBeGreaterThan(0);
    expect(figures.conceptAuroc).toBeGreaterThan(0.8);
    expect(figures.conceptAuroc).toBeLessThanOrEqual(1);
  });

  it('computes the perplexity an unbatched run with its own log-softmax computes', async () => {
    // Chunks of different lengths in small batches: padding, and a chunk longer than the
    // context (several windows, each from [BOS]), are both exercised.
    const T = runtime.model.shapes.contextLength;
    const long = testSplit
      .filter((c) => c.text.length > 600)
      .map(label)
      .find((c) => c.ids.length > T);
    const short = heldOut.filter((c) => c.ids.length < T / 2).slice(0, 3);
    expect(long).toBeDefined();
    expect(short.length).toBeGreaterThan(0);
    const sample = [...short, long as LabelledChunk, ...heldOut.slice(0, 4)];
    const figures = await evaluatePackage(runtime.model, sample, undefined, 3);
    const expected = await independentPerplexity(sample);
    expect(Math.abs(figures.perplexity / expected - 1)).toBeLessThan(1e-5);
  });
});
