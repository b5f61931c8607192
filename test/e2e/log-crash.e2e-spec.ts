import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { verifyConsistency } from 'src/evidence-format/merkle';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { unique } from 'test/support/auth-fixtures';
import { testEntry } from 'test/support/log-stack';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

// A process that appends to the log is killed with SIGKILL while it writes: no shutdown hook
// runs, transactions are cut off wherever they are. What it acknowledged must be in the log at
// the index it acknowledged, the log must have no gap and verify, and the next append must take
// the next index. The child prints an ack only after its commit returned, so an ack that is
// missing afterwards means an acknowledged entry was lost (the test fails), and a half-written
// batch that survived would show as a gap, a head size that differs from the row count, or an
// entry that does not verify. Entries committed but killed before their ack are allowed.

const WRITER_SCRIPT = 'test/support/log-crash-writer.ts';

interface RoundResult {
  acks: Map<string, number>;
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/**
 * Runs the writer until it has acknowledged `killAfter` entries, then waits for `beforeKill`
 * (which can pin the child inside a transaction) and SIGKILLs it.
 */
function runAndKill(
  t: TestApp,
  tenantId: string,
  killAfter: number,
  beforeKill: () => Promise<void>,
): Promise<RoundResult> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', WRITER_SCRIPT], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: t.database.url,
      SIGNING_KEY_FILE: t.config.SIGNING_KEY_FILE,
      SIGNING_KEY_PASSPHRASE: t.config.SIGNING_KEY_PASSPHRASE,
      TENANT_ID: tenantId,
      LOOPS: '8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acks = new Map<string, number>();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  // Should the child never get going, the test must not hang until Jest's timeout.
  const guard = setTimeout(() => child.kill('SIGKILL'), 40_000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, id, index] = line.split(' ');
    if (word !== 'ack') return;
    if (acks.has(id)) stderr += `entry ${id} acknowledged twice\n`;
    acks.set(id, Number(index));
    if (acks.size !== killAfter) return;
    beforeKill().then(
      () => child.kill('SIGKILL'),
      (error: unknown) => {
        stderr += `before the kill: ${String(error)}\n`;
        child.kill('SIGKILL');
      },
    );
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' comes after the pipes are drained: every ack the child wrote has been read.
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ acks, signal, code, stderr });
    });
  });
}

/**
 * When the kill lands. A free-running kill lands wherever the child happens to be (most of the
 * time inside a transaction, as eight loops keep one batch committing at all times). The two
 * pinned moments make sure of it: another session holds a row lock that the child's transaction
 * waits for, so at the kill it provably has a transaction open: waiting for the log head's lock,
 * or holding that lock in the middle of inserting a batch (stopped in the foreign-key check of
 * log_entries against a tenants row we hold). PostgreSQL notices the dead client only when the
 * blocked statement finishes, once we let go: it must then roll the batch back and free the head.
 * A writer that acknowledged its callers before the commit would fail the last moment: the
 * pinned batch's entries would be acknowledged and then rolled back ("lost" is not empty).
 */
type Moment = 'free-running' | 'waiting for the head lock' | 'holding the head lock';

/** The statement the child's blocked transaction is in, for each pinned moment. */
const PINNED: Record<Exclude<Moment, 'free-running'>, { lock: string; blocked: string }> = {
  'waiting for the head lock': {
    lock: `SELECT 1 FROM log_heads WHERE tenant_id = $1 FOR UPDATE`,
    blocked: '%FROM log_heads WHERE tenant_id = $1 FOR UPDATE%',
  },
  'holding the head lock': {
    lock: `SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE`,
    blocked: 'INSERT INTO "log_entries"%',
  },
};

describe('the log when its writer is killed (SIGKILL) in the middle of writes', () => {
  let t: TestApp;
  let owner: Client;
  let locker: Client;
  let log: LogService;
  let tenantId: string;
  let previous: { size: number; root: Buffer } | undefined;

  const storedIndexes = async () =>
    (
      await owner.query<{ log_index: string; id: string }>(
        `SELECT log_index, id FROM log_entries WHERE tenant_id = $1 ORDER BY log_index`,
        [tenantId],
      )
    ).rows.map((r) => ({ index: Number(r.log_index), id: r.id }));
  const headSize = async () =>
    Number(
      (
        await owner.query<{ size: string }>(`SELECT size FROM log_heads WHERE tenant_id = $1`, [
          tenantId,
        ])
      ).rows[0]?.size ?? 0,
    );
  /** Takes the moment's row lock and returns once a transaction of the child waits for it. */
  const pin = async (moment: Exclude<Moment, 'free-running'>) => {
    const { lock, blocked } = PINNED[moment];
    await locker.query('BEGIN');
    await locker.query(lock, [tenantId]);
    await waitFor(
      async () => {
        const waiting = await owner.query(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND state = 'active' AND wait_event_type = 'Lock' AND query LIKE $1`,
          [blocked],
        );
        return waiting.rowCount ? true : undefined;
      },
      `the child's transaction to block (${moment})`,
      10_000,
    );
  };

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    log = t.app.get(LogService);
    const made = await t.app
      .get(ProvisioningService)
      .create({ name: unique('Crash'), adminEmail: 'admin@example.org' });
    tenantId = made.tenant.id;
    owner = new Client({ connectionString: t.database.url });
    locker = new Client({ connectionString: t.database.url });
    await Promise.all([owner.connect(), locker.connect()]);
  });
  afterAll(async () => {
    await Promise.all([owner?.end(), locker?.end()]);
    await t?.close();
  });

  it.each<[number, Moment]>([
    [1, 'free-running'],
    [2, 'waiting for the head lock'],
    [3, 'holding the head lock'],
    [4, 'free-running'],
  ])('keeps every acknowledged entry after kill %i (%s)', async (round, moment) => {
    const before = await headSize();
    const killAfter = randomInt(150, 451);
    const started = Date.now();
    const result = await runAndKill(t, tenantId, killAfter, () =>
      moment === 'free-running' ? Promise.resolve() : pin(moment),
    );
    if (moment !== 'free-running') {
      // The dead child's backend wakes up, finds no client and rolls its batch back.
      await locker.query('ROLLBACK');
    }
    expect({ signal: result.signal, stderr: result.stderr }).toEqual({
      signal: 'SIGKILL',
      stderr: '',
    });
    expect(result.acks.size).toBeGreaterThanOrEqual(killAfter);

    // The next append waits for the head lock: it succeeds only once the killed transaction has
    // been rolled back, and must then take the next index.
    const next = await t.app.get(LogWriter).append(tenantId, testEntry('review', `after ${round}`));
    const rows = await storedIndexes();
    const size = await headSize();
    const inDoubt = rows.filter(
      (r) => r.index >= before && r.id !== next.id && !result.acks.has(r.id),
    ).length;
    console.log(
      `kill ${round} (${moment}): after ${result.acks.size} acks (aimed at ${killAfter}), ` +
        `${Date.now() - started} ms with start-up; log ${before} -> ${size} entries, ` +
        `${inDoubt} committed but never acknowledged`,
    );
    expect(next.logIndex).toBe(size - 1);
    // Contiguous from 0, and the head agrees with the table.
    expect(rows.every((r, i) => r.index === i)).toBe(true);
    expect(size).toBe(rows.length);
    // Every acknowledged entry is where its ack said.
    const at = new Map(rows.map((r) => [r.id, r.index]));
    const lost = [...result.acks].filter(([id, index]) => at.get(id) !== index);
    expect(lost).toEqual([]);
    expect(new Set(result.acks.values()).size).toBe(result.acks.size);

    expect(await log.verifyLog(tenantId)).toEqual({ size, problem: null });

    // The log only grew since the last round's signed head.
    const view = await log.issueCheckpoint(tenantId);
    const head = { size: view.size, root: Buffer.from(view.root, 'base64') };
    expect(head.size).toBe(size);
    if (previous) {
      const proof = await log.consistencyProof(tenantId, previous.size, head.size);
      expect(
        verifyConsistency({
          oldSize: previous.size,
          newSize: head.size,
          oldRoot: previous.root,
          newRoot: head.root,
          proof: proof.hashes.map((h) => Buffer.from(h, 'base64')),
        }),
      ).toBe(true);
    }
    previous = head;
  });
});
