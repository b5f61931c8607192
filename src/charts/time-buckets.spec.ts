import { bucketLabel, bucketRange, nextBucket, parseBucketStart } from 'src/charts/time-buckets';

describe('time buckets', () => {
  it('reads dates, and date-times without a zone, as UTC', () => {
    expect(parseBucketStart('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(parseBucketStart('2026-03-01T14:00')).toBe(Date.UTC(2026, 2, 1, 14));
    expect(parseBucketStart('2026-03-01 14:00:00')).toBe(Date.UTC(2026, 2, 1, 14));
    expect(parseBucketStart('2026-03-01T14:00:00.000Z')).toBe(Date.UTC(2026, 2, 1, 14));
    expect(parseBucketStart('2026-03-01T15:00:00+0100')).toBe(Date.UTC(2026, 2, 1, 14));
  });

  it('rejects what is not an ISO date', () => {
    expect(() => parseBucketStart('March 2026')).toThrow(
      'period "March 2026" is not an ISO 8601 date or date-time',
    );
    expect(() => parseBucketStart('2026-13-01')).toThrow(RangeError);
  });

  it('steps months by the calendar and the rest by fixed lengths', () => {
    expect(nextBucket(Date.UTC(2026, 0, 1), 'month')).toBe(Date.UTC(2026, 1, 1));
    expect(nextBucket(Date.UTC(2026, 11, 1), 'month')).toBe(Date.UTC(2027, 0, 1));
    expect(nextBucket(Date.UTC(2026, 2, 2), 'week')).toBe(Date.UTC(2026, 2, 9));
    expect(nextBucket(Date.UTC(2026, 2, 28, 23), 'hour')).toBe(Date.UTC(2026, 2, 29, 0));
  });

  it('names buckets', () => {
    const t = Date.UTC(2026, 2, 5, 9);
    expect(bucketLabel(t, 'hour', false)).toBe('5 Mar 09:00');
    expect(bucketLabel(t, 'hour', true)).toBe('5 Mar 2026 09:00');
    expect(bucketLabel(t, 'day', false)).toBe('5 Mar');
    expect(bucketLabel(t, 'week', true)).toBe('5 Mar 2026');
    expect(bucketLabel(t, 'month', false)).toBe('Mar 2026');
  });

  it('lists every bucket of a range and refuses too many', () => {
    expect(bucketRange(Date.UTC(2026, 0, 1), Date.UTC(2026, 3, 1), 'month', 10)).toEqual([
      Date.UTC(2026, 0, 1),
      Date.UTC(2026, 1, 1),
      Date.UTC(2026, 2, 1),
      Date.UTC(2026, 3, 1),
    ]);
    expect(() => bucketRange(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), 'hour', 24)).toThrow(
      'the period holds more than 24 hour buckets: choose a longer unit',
    );
  });
});
