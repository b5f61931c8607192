/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationFailedError } from 'src/common/domain-error';
import { ModelPackageError } from 'src/model-package/model-package';
import { logitRow } from 'src/model-runtime/attributions';
import { noSteering, runForward } from 'src/model-runtime/forward';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { BOS, MASK, PAD } from 'src/model-package/tokenizer';
import { testModel } from 'test/support/test-model';

// The runtime against the real exported model: every identity the attribution record relies on
// (completeness, ablation, single pass = step by step, leave-one-out) is checked on real
// generations, not on hand-made numbers.

let runtime: ModelRuntime;
const model = testModel();

beforeAll(async () => {
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
});

const PROMPTS = [
  'The Congress shall',
  'The patient was given',
  'Any licensee who redistributes the Work',
  'The economy of the country',
];

function sequenceOf(promptIds: number[], generated: number[]): number[] {
  return [BOS, ...promptIds, ...generated];
}

describe('generation', () => {
  it('decomposes every generated token exactly into concept and ε contributions that equal its logit', async () => {
    for (const [i, prompt] of PROMPTS.entries()) {
      const result = await runtime.generate(prompt, { maxTokens: 24, seed: i + 1 });
      expect(result.tokens.length).toBeGreaterThan(0);
      const promptIds = runtime.model.tokenizer.encode(prompt);
      const sequence = sequenceOf(
        promptIds,
        result.tokens.map((t) => t.id),
      );
      const { knownConcepts: n, unknownConcepts: m, vocabSize: V } = runtime.model.shapes;
      // Each token against a separate run over its own prefix, explaining that token.
      for (const token of result.tokens) {
        const sum = token.knownTotal + token.unknownTotal + token.epsilon + token.steeringPenalty;
        expect(Math.abs(sum - token.logit)).toBeLessThan(1e-4);
        const prefix = sequence.slice(0, promptIds.length + 1 + token.index);
        const targets = [...prefix.slice(1), token.id];
        const out = await runForward(runtime.model, [prefix], [targets], noSteering(runtime.model));
        const t = prefix.length - 1;
        const row = logitRow(out, 0, t, V);
        expect(Math.abs(row[token.id] - token.logit)).toBeLessThan(1e-4);
        const known = out.knownContrib.subarray(t * n, (t + 1) * n).reduce((a, b) => a + b, 0);
        const unknown = out.unknownContrib.subarray(t * m, (t + 1) * m).reduce((a, b) => a + b, 0);
        expect(Math.abs(known - token.knownTotal)).toBeLessThan(1e-4);
        expect(Math.abs(unknown - token.unknownTotal)).toBeLessThan(1e-4);
        expect(Math.abs(out.epsContrib[t] - token.epsilon)).toBeLessThan(1e-4);
        const lse = Math.log(row.reduce((a, l) => a + Math.exp(l), 0));
        expect(Math.abs(row[token.id] - lse - token.logProb)).toBeLessThan(1e-3);
      }
    }
  });

  it('gives byte-identical results for the same seed, and another text for another seed', async () => {
    const a = await runtime.generate(PROMPTS[0], { maxTokens: 20, seed: 42, temperature: 1 });
    const b = await runtime.generate(PROMPTS[0], { maxTokens: 20, seed: 42, temperature: 1 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const others = await Promise.all(
      [1, 2, 3].map((seed) =>
        runtime.generate(PROMPTS[0], { maxTokens: 20, seed, temperature: 1, attributions: false }),
      ),
    );
    expect(others.some((o) => o.text !== a.text)).toBe(true);
  });

  it('explains the final text in one pass exactly as the model saw it step by step', async () => {
    const prompt = PROMPTS[1];
    const result = await runtime.generate(prompt, { maxTokens: 16, seed: 5 });
    const promptIds = runtime.model.tokenizer.encode(prompt);
    const generated = result.tokens.map((t) => t.id);
    const sequence = sequenceOf(promptIds, generated);
    const head = noSteering(runtime.model);
    const full = await runForward(
      runtime.model,
      [sequence.slice(0, -1)],
      [sequence.slice(1)],
      head,
    );
    const { knownConcepts: n, unknownConcepts: m } = runtime.model.shapes;
    for (let i = 0; i < generated.length; i++) {
      const length = promptIds.length + 1 + i;
      const prefix = sequence.slice(0, length);
      const targets = sequence.slice(1, length + 1);
      const step = await runForward(runtime.model, [prefix], [targets], head);
      const t = length - 1;
      for (let c = 0; c < n; c++) {
        expect(Math.abs(step.knownContrib[t * n + c] - full.knownContrib[t * n + c])).toBeLessThan(
          1e-5,
        );
      }
      for (let c = 0; c < m; c++) {
        expect(
          Math.abs(step.unknownContrib[t * m + c] - full.unknownContrib[t * m + c]),
        ).toBeLessThan(1e-5);
      }
      expect(Math.abs(step.epsContrib[t] - full.epsContrib[t])).toBeLessThan(1e-5);
    }
  });

  it('keeps at most k known and k unknown concepts active at every position of real text', async () => {
    const ids = [BOS, ...runtime.model.tokenizer.encode(PROMPTS.join(' '))];
    const out = await runForward(runtime.model, [ids], [ids], noSteering(runtime.model));
    const { knownConcepts: n, unknownConcepts: m, knownTopK, unknownTopK } = runtime.model.shapes;
    for (let t = 0; t < ids.length; t++) {
      const active = (w: Float32Array, width: number) =>
        w.subarray(t * width, (t + 1) * width).filter((x) => x !== 0).length;
      expect(active(out.knownW, n)).toBeLessThanOrEqual(knownTopK);
      expect(active(out.unknownW, m)).toBeLessThanOrEqual(unknownTopK);
      expect(active(out.unknownW, m)).toBeGreaterThan(0);
    }
  });

  it('writes exactly maxTokens when told not to stop at the end token', async () => {
    for (const seed of [1, 2, 3]) {
      const result = await runtime.generate(PROMPTS[0], {
        maxTokens: 30,
        seed,
        stopAtEnd: false,
        attributions: false,
      });
      expect(result.decoding.stoppedBy).toBe('max_tokens');
      expect(runtime.model.tokenizer.encode(result.text).length).toBeGreaterThan(0);
      expect(result.tokens).toEqual([]);
    }
    const full = await runtime.generate(PROMPTS[0], { maxTokens: 30, seed: 1, stopAtEnd: false });
    expect(full.tokens).toHaveLength(30);
  });

  it('cuts the output into chunks that cover it once, each with the three attributions', async () => {
    const result = await runtime.generate(PROMPTS[3], { maxTokens: 40, seed: 3, chunkTokens: 8 });
    expect(result.chunks.map((c) => c.text).join('')).toBe(result.text);
    let next = 0;
    for (const chunk of result.chunks) {
      expect(chunk.start).toBe(next);
      expect(chunk.end - chunk.start).toBeLessThanOrEqual(8);
      next = chunk.end;
      const c = chunk.concepts;
      expect(c.knownShare + c.unknownShare + c.epsilonShare).toBeCloseTo(1, 5);
      expect(chunk.context.effects.map((e) => e.token)).toEqual(result.promptTokens);
      const shares = Object.values(chunk.trainingData.sources);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(chunk.trainingData.interpretation).toMatch(/not a measure of causal influence/);
      for (const match of chunk.trainingData.chunks) {
        expect(match.score).toBeGreaterThan(0);
        expect(match.score).toBeLessThanOrEqual(1 + 1e-9);
      }
    }
    expect(next).toBe(result.tokens.length);
    expect(result.model.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('steering', () => {
  it('suppressing or overriding a concept moves every logit by exactly Δweight × its effect', async () => {
    const promptIds = runtime.model.tokenizer.encode(PROMPTS[2]);
    const sequence = [BOS, ...promptIds];
    const targets = [...sequence.slice(1), PAD];
    const plain = noSteering(runtime.model);
    const base = await runForward(runtime.model, [sequence], [targets], plain);
    const { knownConcepts: n, vocabSize: V } = runtime.model.shapes;
    const t = sequence.length - 1;
    // The three most active known concepts at the last position.
    const active = Array.from(base.knownW.subarray(t * n, (t + 1) * n), (w, c) => ({ w, c }))
      .filter((x) => x.w > 0)
      .sort((a, b) => b.w - a.w)
      .slice(0, 3);
    expect(active.length).toBeGreaterThan(0);
    for (const { w, c } of active) {
      for (const value of [0, 2]) {
        const head = noSteering(runtime.model);
        head.knownKeep[c] = 0;
        head.knownValue[c] = value;
        const steered = await runForward(runtime.model, [sequence], [targets], head);
        const before = logitRow(base, 0, t, V);
        const after = logitRow(steered, 0, t, V);
        const effect = runtime.model.knownEffects[c];
        let worst = 0;
        for (let v = 0; v < V; v++) {
          worst = Math.max(worst, Math.abs(after[v] - before[v] - (value - w) * effect[v]));
        }
        expect(worst).toBeLessThan(1e-4);
      }
    }
  });

  it('applies the suppression penalty when sampling and reports it in each token and the record', async () => {
    const steering = [
      { concept: 'topic.politics_government', mode: 'suppress' as const, penalty: 2 },
    ];
    const result = await runtime.generate(PROMPTS[0], { maxTokens: 16, seed: 9, steering });
    // Greedy, the first token is the argmax of the steered logits minus the penalty, computed here
    // from the graph and the effect matrix alone.
    const greedy = await runtime.generate(PROMPTS[0], { maxTokens: 1, temperature: 0, steering });
    const c = runtime.model.known.findIndex((k) => k.key === 'topic.politics_government');
    const head = noSteering(runtime.model);
    head.knownKeep[c] = 0;
    const sequence = [BOS, ...runtime.model.tokenizer.encode(PROMPTS[0])];
    const out = await runForward(runtime.model, [sequence], [sequence], head);
    const V = runtime.model.shapes.vocabSize;
    const row = Array.from(logitRow(out, 0, sequence.length - 1, V), (l, v) =>
      [PAD, BOS, 3, MASK, 2, 5].includes(v)
        ? -Infinity
        : l - 2 * Math.max(0, runtime.model.knownEffects[c][v] - runtime.model.knownShared[c][v]),
    );
    const best = row.indexOf(Math.max(...row));
    expect(greedy.tokens[0].id).toBe(best);
    for (const chunk of result.chunks) {
      const s = chunk.concepts;
      expect(s.knownShare + s.unknownShare + s.epsilonShare + s.steeringShare).toBeCloseTo(1, 5);
    }
    expect(result.steering).toEqual([
      expect.objectContaining({
        concept: 'topic.politics_government',
        weight: 0,
        penalty: 2,
      }),
    ]);
    const effect = runtime.model.knownEffects[result.steering[0].conceptId];
    const shared = runtime.model.knownShared[result.steering[0].conceptId];
    for (const token of result.tokens) {
      expect(token.steeringPenalty).toBeCloseTo(
        -2 * Math.max(0, effect[token.id] - shared[token.id]),
        5,
      );
    }
  });

  it('marks a steered concept as steered in every chunk that lists it, and amplification moves the logits by its own part only', async () => {
    const key = 'finance.taxation';
    const c = runtime.model.known.findIndex((k) => k.key === key);
    const steering = [{ concept: key, mode: 'amplify' as const, weight: 3 }];
    const result = await runtime.generate(PROMPTS[0], { maxTokens: 16, seed: 4, steering });
    const listed = result.chunks.flatMap((chunk) => chunk.concepts.known.filter((k) => k.id === c));
    expect(listed.length).toBeGreaterThan(0);
    for (const entry of listed) expect(entry.steered).toBe('amplify');
    for (const chunk of result.chunks) {
      expect(chunk.concepts.methodVersion).toBe(3);
      for (const k of chunk.concepts.known) if (k.id !== c) expect(k.steered).toBeUndefined();
    }
    // The steering term at each token is −3 × the shared part of the row at that token.
    const shared = runtime.model.knownShared[c];
    for (const token of result.tokens) {
      expect(token.steeringPenalty).toBeCloseTo(-3 * shared[token.id], 4);
    }
    const plain = await runtime.generate(PROMPTS[0], { maxTokens: 16, seed: 4 });
    for (const chunk of plain.chunks) {
      for (const k of chunk.concepts.known) expect(k.steered).toBeUndefined();
    }
  });
});

describe('detection of named concepts', () => {
  it("states each named concept's detector probability at the chunk's own positions, read before steering", async () => {
    const prompt = 'The patient was given';
    const output = ' a dose of the drug for the infection. The bank raised its interest rate.';
    const plain = await runtime.explain(prompt, output, { chunkTokens: 8 });
    const promptIds = runtime.model.tokenizer.encode(prompt);
    const generated = runtime.model.tokenizer.encode(output);
    const sequence = sequenceOf(promptIds, generated);
    const n = runtime.model.shapes.knownConcepts;
    const out = await runForward(
      runtime.model,
      [sequence.slice(0, -1)],
      [sequence.slice(1)],
      noSteering(runtime.model),
    );
    // Position t has generated token t − promptIds.length as its target. A concept's weight there
    // is its detector's probability when it is in the top k, else 0; so where it is in the top k
    // at every one of the chunk's positions, the highest weight is the chunk's detection.
    let compared = 0;
    for (const chunk of plain.chunks) {
      expect(chunk.concepts.methodVersion).toBe(3);
      const positions = Array.from(
        { length: chunk.end - chunk.start },
        (_, i) => promptIds.length + chunk.start + i,
      );
      for (const k of chunk.concepts.known) {
        expect(k.detection).toBeGreaterThanOrEqual(0);
        expect(k.detection).toBeLessThanOrEqual(1);
        const weights = positions.map((t) => out.knownW[t * n + k.id]);
        const highest = Math.max(...weights);
        // A weight is the probability or 0 (outside the top k): never above the detection.
        expect(highest).toBeLessThanOrEqual((k.detection as number) + 1e-6);
        if (highest > 0 && weights.filter((w) => w > 0).length === positions.length) {
          expect(Math.abs(highest - (k.detection as number))).toBeLessThan(1e-6);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(0);

    // Amplifying a concept forces its weight, not what its detector read: detection is unchanged.
    const top = plain.chunks[0].concepts.known[0];
    const amplified = await runtime.explain(prompt, output, {
      chunkTokens: 8,
      steering: [{ concept: top.key as string, mode: 'amplify', weight: 3 }],
    });
    const forced = amplified.chunks[0].concepts.known.find((k) => k.id === top.id);
    expect(forced?.steered).toBe('amplify');
    expect(forced?.share).not.toBeCloseTo(top.share, 4);
    expect(forced?.detection).toBeCloseTo(top.detection as number, 6);
  });
});

describe('context attribution (leave-one-out with [MASK])', () => {
  it('batches masked runs exactly as separate runs, and masking a later token changes nothing earlier (its score is 0)', async () => {
    const promptIds = runtime.model.tokenizer.encode(PROMPTS[3]);
    const sequence = [BOS, ...promptIds, ...runtime.model.tokenizer.encode(' is large')];
    const input = sequence.slice(0, -1);
    const targets = sequence.slice(1);
    const head = noSteering(runtime.model);
    const batched = await runtime.maskedRuns(input, targets, 0, promptIds.length, head);
    expect(batched.batch).toBe(promptIds.length);
    const T = input.length;
    for (let j = 0; j < promptIds.length; j++) {
      const row = [...input];
      row[1 + j] = MASK;
      const single = await runForward(runtime.model, [row], [targets], head);
      for (let t = 0; t < T; t++) {
        expect(Math.abs(single.targetLogit[t] - batched.targetLogit[j * T + t])).toBeLessThan(1e-4);
      }
    }
    // Masking position p never changes what positions before p predict.
    const base = await runForward(runtime.model, [input], [targets], head);
    const p = T - 2;
    const late = [...input];
    late[p] = MASK;
    const maskedLate = await runForward(runtime.model, [late], [targets], head);
    for (let t = 0; t < p; t++) expect(maskedLate.targetLogit[t]).toBe(base.targetLogit[t]);
    expect(maskedLate.targetLogit[p]).not.toBe(base.targetLogit[p]);
  });
});

describe('context attribution in a generation', () => {
  it('reports for each prompt token the summed logit and log-prob change that masking it causes', async () => {
    const prompt = PROMPTS[1];
    const result = await runtime.generate(prompt, { maxTokens: 12, seed: 4, chunkTokens: 6 });
    const promptIds = runtime.model.tokenizer.encode(prompt);
    const generated = result.tokens.map((t) => t.id);
    const sequence = [BOS, ...promptIds, ...generated];
    const input = sequence.slice(0, -1);
    const targets = sequence.slice(1);
    const head = noSteering(runtime.model);
    const V = runtime.model.shapes.vocabSize;
    const logProb = (out: Awaited<ReturnType<typeof runForward>>, t: number) => {
      const row = logitRow(out, 0, t, V);
      return out.targetLogit[t] - Math.log(row.reduce((a, l) => a + Math.exp(l), 0));
    };
    const base = await runForward(runtime.model, [input], [targets], head);
    const chunk = result.chunks[0];
    const positions = Array.from(
      { length: chunk.end - chunk.start },
      (_, i) => promptIds.length + chunk.start + i,
    );
    for (let j = 0; j < promptIds.length; j++) {
      const row = [...input];
      row[1 + j] = MASK;
      const masked = await runForward(runtime.model, [row], [targets], head);
      const logit = positions.reduce((a, t) => a + base.targetLogit[t] - masked.targetLogit[t], 0);
      const lp = positions.reduce((a, t) => a + logProb(base, t) - logProb(masked, t), 0);
      expect(chunk.context.effects[j].position).toBe(j);
      expect(Math.abs(chunk.context.effects[j].logit - logit)).toBeLessThan(1e-3);
      expect(Math.abs(chunk.context.effects[j].logProb - lp)).toBeLessThan(1e-3);
    }
  });

  it('states whole words, their pieces joined and their effects summed', async () => {
    // "prescribed" and "hospital" are split into pieces by version 1's tokenizer.
    const prompt = 'The doctor prescribed antibiotics at the hospital because';
    const result = await runtime.generate(prompt, { maxTokens: 8, seed: 2 });
    const spelled = result.promptTokens.join('').trim().split(/\s+/);
    for (const chunk of result.chunks) {
      const { words, effects } = chunk.context;
      expect(chunk.context.methodVersion).toBe(2);
      // Every piece is in exactly one word, and the words read as the prompt's words.
      expect(words.map((w) => w.text)).toEqual(spelled);
      expect(words.flatMap((w) => effects.slice(w.start, w.end))).toEqual(effects);
      for (const w of words) {
        const pieces = effects.slice(w.start, w.end);
        expect(w.text).toBe(
          pieces
            .map((e) => e.token)
            .join('')
            .trim(),
        );
        expect(w.logit).toBeCloseTo(
          pieces.reduce((a, e) => a + e.logit, 0),
          9,
        );
        expect(w.logProb).toBeCloseTo(
          pieces.reduce((a, e) => a + e.logProb, 0),
          9,
        );
      }
      expect(words.some((w) => w.end - w.start > 1)).toBe(true);
    }
  });
});

describe('bad input', () => {
  it('names every bad parameter and generates nothing', async () => {
    const attempt = runtime.generate('', {
      maxTokens: 0,
      temperature: -1,
      topP: 1.5,
      seed: 1.5,
      steering: [
        { concept: 'health.not_a_concept', mode: 'suppress' },
        { concept: 'health.disease', mode: 'boost' as 'amplify' },
        { concept: 'finance.banking', mode: 'amplify', weight: 50 },
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(ValidationFailedError);
    const error = (await attempt.catch((e: unknown) => e)) as ValidationFailedError;
    expect(error.fields.map((f) => f.field).sort()).toEqual(
      [
        'maxTokens',
        'prompt',
        'seed',
        'steering.0.concept',
        'steering.1.mode',
        'steering.2.weight',
        'temperature',
        'topP',
      ].sort(),
    );
  });

  it('refuses a prompt longer than the context', async () => {
    const long = 'the nation '.repeat(200);
    await expect(runtime.generate(long)).rejects.toMatchObject({
      fields: [expect.objectContaining({ field: 'prompt' })],
    });
  });
});

describe('loading', () => {
  it('refuses a package with a tampered model file, naming the file', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tampered-store-'));
    try {
      const dir = join(store, model.name, model.version);
      cpSync(model.dir, dir, { recursive: true });
      const onnx = readFileSync(join(dir, 'model.onnx'));
      onnx[onnx.length - 100] ^= 0x01;
      writeFileSync(join(dir, 'model.onnx'), onnx);
      const opening = ModelRuntime.open(store, model.name, model.version);
      await expect(opening).rejects.toBeInstanceOf(ModelPackageError);
      await expect(opening).rejects.toThrow(
        /model\.onnx: SHA-256 is [0-9a-f]{64}, the manifest says/,
      );
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });
});
