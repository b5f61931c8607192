/**
 * Time buckets for charts over a period, all in UTC so a chart never depends on the machine's
 * time zone: the bucket a timestamp names, the next one, and the words for it.
 */

export type BucketUnit = 'hour' | 'day' | 'week' | 'month';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date (2026-03-01) or date-time with an optional zone; without a zone it is read as UTC. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** The bucket start as ms since the epoch; throws a RangeError for anything but an ISO date. */
export function parseBucketStart(period: string): number {
  const match = ISO_DATE_TIME.exec(period);
  const time = match
    ? Date.parse(
        match[4] === undefined
          ? `${match[1]}-${match[2]}-${match[3]}T00:00:00Z`
          : `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6] ?? '00'}${normaliseZone(match[7])}`,
      )
    : NaN;
  if (!Number.isFinite(time)) {
    throw new RangeError(`period ${JSON.stringify(period)} is not an ISO 8601 date or date-time`);
  }
  return time;
}

function normaliseZone(zone: string | undefined): string {
  if (zone === undefined || zone === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/** The start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, unit: BucketUnit): number {
  const date = new Date(start);
  switch (unit) {
    case 'hour':
      return start + 3_600_000;
    case 'day':
      return start + 86_400_000;
    case 'week':
      return start + 7 * 86_400_000;
    case 'month':
      date.setUTCMonth(date.getUTCMonth() + 1);
      return date.getTime();
  }
}

/**
 * A bucket's name: "5 Mar 14:00", "5 Mar", "Mar 2026"; with the year when `withYear` (for the
 * alt text, and for axis labels of periods that cross a new year).
 */
export function bucketLabel(start: number, unit: BucketUnit, withYear: boolean): string {
  const date = new Date(start);
  const day = `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}`;
  const year = withYear ? ` ${date.getUTCFullYear()}` : '';
  switch (unit) {
    case 'hour':
      return `${day}${year} ${String(date.getUTCHours()).padStart(2, '0')}:00`;
    case 'day':
    case 'week':
      return `${day}${year}`;
    case 'month':
      return `${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  }
}

/** The axis title for a unit. */
export function bucketTitle(unit: BucketUnit): string {
  switch (unit) {
    case 'hour':
      return 'Hour (UTC)';
    case 'day':
      return 'Day (UTC)';
    case 'week':
      return 'Week starting (UTC)';
    case 'month':
      return 'Month (UTC)';
  }
}

/** Every bucket from `first` to `last` inclusive, at most `max` of them (else a RangeError). */
export function bucketRange(first: number, last: number, unit: BucketUnit, max: number): number[] {
  const buckets: number[] = [];
  for (let start = first; start <= last; start = nextBucket(start, unit)) {
    if (buckets.length === max) {
      throw new RangeError(
        `the period holds more than ${max} ${unit} buckets: choose a longer unit`,
      );
    }
    buckets.push(start);
  }
  return buckets;
}
