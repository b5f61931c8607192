import { auroc, median } from 'training/eval/auroc';

describe('AUROC', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for ties', () => {
    expect(auroc([0.1, 0.2, 0.8, 0.9], [false, false, true, true])).toBe(1);
    expect(auroc([0.9, 0.8, 0.2, 0.1], [false, false, true, true])).toBe(0);
    expect(auroc([0.5, 0.5, 0.5, 0.5], [false, true, false, true])).toBe(0.5);
  });

  it('matches the pairwise definition on a mixed case', () => {
    // positives 0.4, 0.7; negatives 0.1, 0.5, 0.7 → pairs won: 0.4>0.1 (1); 0.7>0.1, 0.7>0.5,
    // 0.7=0.7 (2.5) → 3.5 of 6.
    expect(auroc([0.4, 0.7, 0.1, 0.5, 0.7], [true, true, false, false, false])).toBeCloseTo(
      3.5 / 6,
    );
    expect(auroc([0.3, 0.4], [true, true])).toBeNaN();
  });

  it('takes medians of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
