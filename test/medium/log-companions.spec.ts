import { Client } from 'pg';
import { DomainError } from 'src/common/domain-error';
import { LogWriter } from 'src/log/log-writer';
import { CommittedEntry } from 'src/log/log.types';
import { factory } from 'test/support/factory';
import { LogStack, openLogStack, testEntry } from 'test/support/log-stack';
import { createTestApp, TestApp } from 'test/support/test-app';

// The log's one hook for other domains' rows (records, erasures): an entry kind's companion
// writes them inside the append transaction. These tests hold the promise that makes that safe:
// the companion sees exactly its kind's entries with their attachments, and an entry commits
// with its companion's rows or not at all.

class Refused extends DomainError {
  constructor(note: string) {
    super('conflict', 'refused_by_companion', `companion refuses ${note}`);
  }
}

describe('log entry companions', () => {
  let t: TestApp;
  let stack: LogStack;
  let writer: LogWriter;
  let owner: Client;
  let tenantId: string;
  const seen: { entry: CommittedEntry; attachment: unknown }[] = [];
  /** Notes the companion refuses (a domain error) or fails on (anything else). */
  const refuse = new Set<string>();
  const fail = new Set<string>();

  const stored = async (): Promise<{ size: number; ids: string[]; indexes: number[] }> => {
    const head = await owner.query<{ size: string }>(
      'SELECT size FROM log_heads WHERE tenant_id = $1',
      [tenantId],
    );
    const rows = await owner.query<{ id: string; log_index: string }>(
      'SELECT id, log_index FROM log_entries WHERE tenant_id = $1 ORDER BY log_index',
      [tenantId],
    );
    return {
      size: Number(head.rows[0]?.size ?? 0),
      ids: rows.rows.map((r) => r.id),
      indexes: rows.rows.map((r) => Number(r.log_index)),
    };
  };

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    tenantId = (await factory(t).newTenant()).id;
    // A log stack of its own (no records module), so the only companion is the test's.
    stack = await openLogStack({
      databaseUrl: t.database.url,
      signingKeyFile: t.config.SIGNING_KEY_FILE!,
      signingKeyPassphrase: t.config.SIGNING_KEY_PASSPHRASE!,
    });
    writer = stack.writer;
    writer.attach<{ note: string }>({
      kind: 'review',
      // Asynchronous, as a companion that writes rows is: its failure is a rejected promise.
      write: (_tenant, appended) =>
        Promise.resolve().then(() => {
          for (const a of appended) {
            if (refuse.has(a.attachment.note)) throw new Refused(a.attachment.note);
            if (fail.has(a.attachment.note)) throw new Error('companion storage failed');
          }
          seen.push(...appended);
        }),
    });
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
  });

  afterAll(async () => {
    await owner?.end();
    await stack?.close();
    await t?.close();
  });

  const review = (note: string) => ({ ...testEntry('review', note), attachment: { note } });

  it('sees every entry of its kind with its attachment, and no other kind', async () => {
    const before = seen.length;
    const committed = await Promise.all([
      writer.append(tenantId, review('r1')),
      writer.append(tenantId, testEntry('access', 'a1')),
      writer.append(tenantId, review('r2')),
    ]);
    const mine = seen.slice(before);
    expect(mine.map((a) => a.entry.id).sort()).toEqual([committed[0].id, committed[2].id].sort());
    expect(mine.map((a) => a.attachment)).toEqual(
      expect.arrayContaining([{ note: 'r1' }, { note: 'r2' }]),
    );
    // What the companion was given is what was committed: the same index, hash and signature.
    for (const { entry } of mine) {
      const ack = committed.find((c) => c.id === entry.id)!;
      expect(entry.logIndex).toBe(ack.logIndex);
      expect(entry.leafHash.equals(ack.leafHash)).toBe(true);
    }
    expect(() => writer.attach({ kind: 'review', write: () => Promise.resolve() })).toThrow(
      /already have a companion/,
    );
  });

  it('a domain refusal fails that entry alone; the batch around it commits, contiguous', async () => {
    refuse.add('bad');
    const before = await stored();
    const results = await Promise.allSettled([
      writer.append(tenantId, review('ok1')),
      writer.append(tenantId, review('bad')),
      writer.append(tenantId, review('ok2')),
      writer.append(tenantId, testEntry('access', 'ok3')),
    ]);
    refuse.delete('bad');
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(Refused);
    const after = await stored();
    expect(after.size).toBe(before.size + 3);
    expect(after.indexes).toEqual(after.indexes.map((_, i) => i));
    const acked = results
      .filter((r): r is PromiseFulfilledResult<CommittedEntry> => r.status === 'fulfilled')
      .map((r) => r.value.id);
    expect(after.ids.slice(before.size).sort()).toEqual(acked.sort());
  });

  it('any other failure rolls the whole batch back: no entry without its rows', async () => {
    fail.add('boom');
    const before = await stored();
    const results = await Promise.allSettled([
      writer.append(tenantId, review('boom')),
      writer.append(tenantId, testEntry('access', 'beside')),
    ]);
    fail.delete('boom');
    expect(results[0].status).toBe('rejected');
    const after = await stored();
    // The access entry either shared the failed batch (and failed with it) or committed in a
    // batch of its own; the failed review never reaches the table or the head.
    const committed = results.filter((r) => r.status === 'fulfilled').length;
    expect(after.size).toBe(before.size + committed);
    expect(after.ids.length).toBe(after.size);
    // The log grows on after the failure.
    const next = await writer.append(tenantId, review('after'));
    expect(next.logIndex).toBe(after.size);
  });
});
