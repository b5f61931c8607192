import { Client } from 'pg';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { verifyConsistency } from 'src/evidence-format/merkle';
import { newWorld, World } from 'test/support/auth-fixtures';
import { testEntry } from 'test/support/log-stack';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

describe('scheduled checkpoints (worker)', () => {
  let t: TestApp;
  let w: World;
  let owner: Client;

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: true, env: { CHECKPOINT_INTERVAL_SECONDS: '1' } });
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  const latestSize = async () => {
    const { rows } = await owner.query<{ size: string | null }>(
      `SELECT max(size) AS size FROM checkpoints WHERE tenant_id = $1`,
      [w.tenantId],
    );
    return rows[0].size === null ? 0 : Number(rows[0].size);
  };

  it('signs a checkpoint of each log that grew, and the next one is consistent with it', async () => {
    const writer = t.app.get(LogWriter);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => writer.append(w.tenantId, testEntry('review', `a${i}`))),
    );
    await waitFor(
      async () => ((await latestSize()) === 5 ? true : undefined),
      'a checkpoint of size 5',
    );
    await Promise.all(
      Array.from({ length: 3 }, (_, i) => writer.append(w.tenantId, testEntry('access', `b${i}`))),
    );
    await waitFor(
      async () => ((await latestSize()) === 8 ? true : undefined),
      'a checkpoint of size 8',
    );
    // Nothing new: no new checkpoint (the size stays, no duplicate row).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { rows } = await owner.query(`SELECT size FROM checkpoints WHERE tenant_id = $1`, [
      w.tenantId,
    ]);
    expect(rows.map((r: { size: string }) => Number(r.size)).sort((a, b) => a - b)).toEqual([5, 8]);

    const log = t.app.get(LogService);
    const proof = await log.consistencyProof(w.tenantId, 5, 8);
    const [older, newer] = [
      await log.checkpointOfSize(w.tenantId, 5),
      await log.checkpointOfSize(w.tenantId, 8),
    ];
    expect(
      verifyConsistency({
        oldSize: 5,
        newSize: 8,
        oldRoot: Buffer.from(older.root, 'base64'),
        newRoot: Buffer.from(newer.root, 'base64'),
        proof: proof.hashes.map((h) => Buffer.from(h, 'base64')),
      }),
    ).toBe(true);
  });
});
