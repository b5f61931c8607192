import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScryptParams } from 'src/signing/key-file';
import { LocalTextKeyProvider } from 'src/text-keys/local-text-key.provider';
import { kekId, parseKekId, scopeOf } from 'src/text-keys/text-key-provider';
import { TextKeyStoreError } from 'src/text-keys/text-keys.errors';

const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';

describe('LocalTextKeyProvider', () => {
  let dir: string;
  const tenant = randomUUID();
  const day = { tenantId: tenant, day: '2026-12-06' };
  const open = (passphrase = PASSPHRASE) =>
    LocalTextKeyProvider.open({ dir, passphrase, scrypt: FAST });

  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'text-keys-')), 'nested');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function storeError(attempt: Promise<unknown>): Promise<TextKeyStoreError> {
    try {
      await attempt;
    } catch (error) {
      if (error instanceof TextKeyStoreError) return error;
      throw error;
    }
    throw new Error('accepted');
  }

  it('wraps data keys under the newest key of their day and unwraps them for their record only', async () => {
    const store = await open();
    const keys = [0, 1, 2].map(() => ({ recordId: randomUUID(), dataKey: randomBytes(32) }));
    const { kekId: id, wrapped } = await store.wrap(day, keys);
    expect(id).toBe(kekId(day, 1));
    expect(wrapped.map((w) => w.length)).toEqual([60, 60, 60]);
    // Not the key itself, and not the same bytes twice.
    expect(wrapped[0].includes(keys[0].dataKey)).toBe(false);
    for (const [i, k] of keys.entries()) {
      expect(await store.unwrap(id, k.recordId, wrapped[i])).toEqual(k.dataKey);
    }
    // A wrap moved to another record, or altered, does not open.
    expect((await storeError(store.unwrap(id, keys[1].recordId, wrapped[0]))).message).toMatch(
      /does not open/,
    );
    const altered = Buffer.from(wrapped[0]);
    altered[40] ^= 1;
    await storeError(store.unwrap(id, keys[0].recordId, altered));
    // Another process opening the folder reads the same keys.
    expect(await (await open()).unwrap(id, keys[2].recordId, wrapped[2])).toEqual(keys[2].dataKey);
  });

  it('rotates a day to a new generation; destroying the old one makes what it wrapped unrecoverable', async () => {
    const store = await open();
    const recordId = randomUUID();
    const dataKey = randomBytes(32);
    const first = await store.wrap(day, [{ recordId, dataKey }]);
    const other = await store.wrap({ tenantId: tenant, day: '2026-12-07' }, [
      { recordId, dataKey },
    ]);
    const second = await store.rotate(first.kekId);
    expect(second).toBe(kekId(day, 2));
    expect(await store.list(tenant)).toEqual([
      { kekId: kekId(day, 1), newest: false },
      { kekId: kekId(day, 2), newest: true },
      { kekId: other.kekId, newest: true },
    ]);
    // New wraps of the day go to the newest generation.
    expect((await store.wrap(day, [{ recordId, dataKey }])).kekId).toBe(second);

    await store.destroy(first.kekId);
    expect(readdirSync(join(dir, tenant)).sort()).toEqual(['2026-12-06.2.kek', '2026-12-07.1.kek']);
    expect(await store.unwrap(first.kekId, recordId, first.wrapped[0])).toBeNull();
    // Nor from another process: the file is gone.
    expect(await (await open()).unwrap(first.kekId, recordId, first.wrapped[0])).toBeNull();
    // The other day is untouched; destroying twice is fine.
    expect(await store.unwrap(other.kekId, recordId, other.wrapped[0])).toEqual(dataKey);
    await store.destroy(first.kekId);
  });

  it('seals each key file under the passphrase: a wrong one, or a file moved, is refused', async () => {
    const store = await open();
    const { kekId: id } = await store.wrap(day, [
      { recordId: randomUUID(), dataKey: randomBytes(32) },
    ]);
    expect((await storeError(open('another passphrase, also long'))).message).toMatch(
      /passphrase does not open/,
    );
    // A key file copied under another generation's name does not open: its id is bound in.
    const text = readFileSync(join(dir, tenant, '2026-12-06.1.kek'), 'utf8');
    writeFileSync(join(dir, tenant, '2026-12-06.2.kek'), text);
    const fresh = await open();
    await storeError(fresh.unwrap(kekId(day, 2), randomUUID(), randomBytes(60)));
    expect(parseKekId(id)).toEqual({ ...day, generation: 1 });
    expect(parseKekId('../etc/passwd')).toBeNull();
    await storeError(fresh.destroy('../../etc/passwd'));
  });

  it('puts a record in the UTC day of its commit', () => {
    expect(scopeOf(tenant, '2026-12-06T23:59:59.999999Z').day).toBe('2026-12-06');
    expect(scopeOf(tenant, '2026-12-07T00:30:00+01:00').day).toBe('2026-12-06');
  });
});
