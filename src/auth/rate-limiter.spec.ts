import { RateLimiter } from 'src/auth/rate-limiter';

describe('RateLimiter', () => {
  it('allows a burst of the per-minute limit, then refuses with the wait until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    for (let i = 0; i < 6; i++) expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 9_999;
    expect(limiter.take('k').allowed).toBe(false);
    now += 2;
    expect(limiter.take('k').allowed).toBe(true);
  });

  it('keeps keys apart and never refills past the limit', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    now += 10 * 60_000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });
});
