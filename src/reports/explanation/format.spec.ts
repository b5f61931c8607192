import { likelihoodFactor, listing, nats, percent, times } from './format';

describe('formats', () => {
  it.each([
    [0.22, '22%'],
    [0.068, '6.8%'],
    [0.0996, '10%'],
    [0.0994, '9.9%'],
    [0.5, '50%'],
    [0, '0.0%'],
    [1, '100%'],
  ])('percent(%p) is %s', (share, text) => expect(percent(share)).toBe(text));

  it('writes lifts, effects and likelihood factors', () => {
    expect(times(0.5 / 0.3)).toBe('1.7×');
    expect(nats(2.5)).toBe('+2.50');
    expect(nats(-1.3)).toBe('−1.30');
    expect(likelihoodFactor(2.5)).toBe('about 12 times');
    expect(likelihoodFactor(0.9)).toBe('about 2.5 times');
  });

  it('lists with commas and "and"', () => {
    expect(listing(['a'])).toBe('a');
    expect(listing(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
