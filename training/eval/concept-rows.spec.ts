import { conceptRowFigures, ranks, spearman, topTokenIds } from 'training/eval/concept-rows';
import { EVAL_PROMPTS, STEERED_CONCEPTS } from 'training/eval/prompts';
import { steeringPrompts } from 'training/eval/explanation-eval';

describe('concept row figures', () => {
  const logFrequency = [-1, -2, -3, -4, -5, -6];

  it('ranks with ties averaged, and Spearman is ±1 for monotone relations', () => {
    expect(Array.from(ranks([10, 30, 20, 30]))).toEqual([1, 3.5, 2, 3.5]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 400])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('calls rows that rank tokens by frequency and share one direction what they are', () => {
    // Every row is the frequency prior plus a constant: rank correlation 1, nothing of its own.
    const prior = [6, 5, 4, 3, 2, 1];
    const figures = conceptRowFigures(
      [prior, prior.map((x) => 2 * x + 7), prior.map((x) => 0.5 * x - 3)],
      logFrequency,
    );
    expect(figures.rankCorrelation).toBeCloseTo(1, 12);
    expect(figures.nonMeanShare).toBeCloseTo(0, 12);
    expect(figures.firstDirectionShare).toBeCloseTo(1, 6);
  });

  it('finds concept-specific rows specific', () => {
    // Each row raises its own token: orthogonal after centring, unrelated to frequency.
    const rows = [0, 1, 2, 3, 4, 5].map((k) => [0, 1, 2, 3, 4, 5].map((v) => (v === k ? 5 : 0)));
    const figures = conceptRowFigures(rows, logFrequency);
    expect(Math.abs(figures.rankCorrelation)).toBeLessThan(0.5);
    expect(figures.nonMeanShare).toBeGreaterThan(0.9);
    expect(figures.firstDirectionShare).toBeLessThan(0.3);
    expect(topTokenIds(rows[3], 1)).toEqual([3]);
  });

  it('steers every concept on 50 distinct prompts, its own group first', () => {
    expect(STEERED_CONCEPTS.length).toBeGreaterThanOrEqual(20);
    expect(EVAL_PROMPTS.length).toBeGreaterThanOrEqual(100);
    for (const concept of STEERED_CONCEPTS) {
      const chosen = steeringPrompts(concept, EVAL_PROMPTS, 50);
      expect(new Set(chosen.map((p) => p.text)).size).toBe(50);
      const group = concept.split('.')[0];
      const own = EVAL_PROMPTS.filter((p) => p.group === group).length;
      expect(chosen.slice(0, own).every((p) => p.group === group)).toBe(true);
    }
  });
});
