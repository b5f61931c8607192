import { KneserNey } from 'training/eval/kneser-ney';

// A toy language over 6 tokens (0 is the start token, never predicted).
function corpus(seed: number, sequences: number): number[][] {
  let state = seed;
  const rand = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: number[][] = [];
  for (let s = 0; s < sequences; s++) {
    const seq = [0];
    for (let i = 0; i < 12; i++) {
      const prev = seq[seq.length - 1];
      // Mostly deterministic transitions, some noise: an n-gram model should learn them.
      seq.push(rand() < 0.8 ? (prev % 5) + 1 : 1 + Math.floor(rand() * 5));
    }
    out.push(seq);
  }
  return out;
}

describe('modified Kneser-Ney', () => {
  const train = corpus(1, 400);
  const test = corpus(2, 100);

  it.each([1, 2, 3])('order %i gives a proper distribution over the vocabulary', (order) => {
    const model = new KneserNey(order, 6).train(train);
    for (const history of [[0], [0, 1], [3, 4], [5, 5], [0, 2, 2]]) {
      let sum = 0;
      for (let token = 0; token < 6; token++) {
        const p = model.probability(history, token);
        expect(p).toBeGreaterThan(0);
        sum += p;
      }
      expect(sum).toBeCloseTo(1, 10);
    }
  });

  it('learns more with more context on patterned text, and never beats a perfect predictor', () => {
    const ppl = [1, 2, 3].map((order) => new KneserNey(order, 6).train(train).perplexity(test));
    expect(ppl[1]).toBeLessThan(ppl[0] * 0.7);
    expect(ppl[2]).toBeLessThanOrEqual(ppl[1] * 1.02);
    // 80% deterministic: the best possible perplexity is about exp(H) with H ≈ 0.72 nats.
    expect(ppl[1]).toBeGreaterThan(1.8);
  });

  it('gives unseen tokens and contexts a small, non-zero probability', () => {
    const model = new KneserNey(3, 100).train(train);
    expect(model.probability([0, 1], 77)).toBeGreaterThan(0);
    expect(model.probability([0, 1], 77)).toBeLessThan(0.01);
    expect(model.probability([55, 66], 2)).toBeGreaterThan(model.probability([55, 66], 77));
  });
});
