import { ValidationFailedError } from 'src/common/domain-error';
import { UUID } from 'src/evidence-format/ids';

/**
 * The opaque cursor of a keyset page ordered by (time, id), newest first: the last row's time
 * and id, base64url-encoded. Clients pass back the `nextCursor` they were given.
 */
export function encodeCursor(time: Date, id: string): string {
  return Buffer.from(`${time.toISOString()}|${id}`).toString('base64url');
}

/** The time and id a cursor holds; 422 for anything this API did not give. */
export function decodeCursor(cursor: string): { time: Date; id: string } {
  const [text, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const time = new Date(text);
  if (!id || !UUID.test(id) || Number.isNaN(time.getTime())) {
    throw new ValidationFailedError([
      { field: 'cursor', problems: ['is not a cursor this API gave'] },
    ]);
  }
  return { time, id };
}
