import { countAxis, shareAxisEnd } from 'src/charts/chart-input';

describe('countAxis', () => {
  it.each([
    [0, [0, 1]],
    [1, [0, 1]],
    [3, [0, 1, 2, 3]],
    [7, [0, 2, 4, 6, 8]],
    [97, [0, 20, 40, 60, 80, 100]],
    [1234, [0, 500, 1000, 1500]],
  ])('gives whole, distinct ticks from 0 past %d', (max, values) => {
    const axis = countAxis(max);
    expect(axis.values).toEqual(values);
    expect(axis.domain).toEqual([0, values[values.length - 1]]);
    expect(new Set(axis.values.map((v) => v.toFixed(0))).size).toBe(axis.values.length);
  });
});

describe('shareAxisEnd', () => {
  it('ends at the smallest round share that holds the largest value', () => {
    expect(shareAxisEnd(0.031)).toBe(0.05);
    expect(shareAxisEnd(0.05)).toBe(0.05);
    expect(shareAxisEnd(0.12)).toBe(0.2);
    expect(shareAxisEnd(0.6)).toBe(1);
    expect(shareAxisEnd(1)).toBe(1);
  });
});
