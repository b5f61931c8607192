import { LinePool } from 'src/verifier/line-pool';
import { checkLinesHere, type CheckedLine } from 'src/verifier/package-entries';
import { parseKeySet } from 'src/verifier/key-set';
import { buildLog } from 'src/verifier/verifier.fixtures';
import { canonicalJson } from 'src/evidence-format/canonical-json';

/** LinePool on its own: the lines checked in worker threads, and a thread that dies. */

const log = buildLog(37);
const lines = log.entries.map((e) => Buffer.from(canonicalJson(e)));

async function* feed(texts: readonly Buffer[]): AsyncGenerator<Buffer> {
  for (const text of texts) yield await Promise.resolve(text);
}

async function collect(checked: AsyncIterable<CheckedLine>): Promise<CheckedLine[]> {
  const out: CheckedLine[] = [];
  for await (const line of checked) out.push(line);
  return out;
}

describe('LinePool', () => {
  it('gives each line the result the main thread gives it, in order, three lines a batch', async () => {
    const pool = new LinePool(2, log.jwks, 3);
    try {
      const here = await collect(
        checkLinesHere(parseKeySet(log.jwks))('entries.jsonl', feed(lines)),
      );
      const there = await collect(pool.checker('entries.jsonl', feed(lines)));
      expect(there).toEqual(here);
      expect(there.map((c) => c.line.where)).toEqual(lines.map((_, i) => `entries.jsonl:${i + 1}`));
      expect(
        there.every((c) => c.failed.length === 0 && Buffer.isBuffer(c.line.result?.leaf)),
      ).toBe(true);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('fails the verification, never hangs or skips lines, when a thread dies', async () => {
    const pool = new LinePool(2, log.jwks, 1);
    try {
      // The first thread is gone before it has checked anything.
      await (
        pool as unknown as { workers: { terminate(): Promise<number> }[] }
      ).workers[0].terminate();
      await expect(collect(pool.checker('records.jsonl', feed(lines)))).rejects.toThrow(
        /a verifying thread stopped \(exit code \d+\)/,
      );
    } finally {
      await pool.close();
    }
  }, 30_000);
});
