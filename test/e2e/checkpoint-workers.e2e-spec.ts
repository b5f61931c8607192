import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { JOBS_QUEUE } from 'src/jobs/jobs.constants';
import { JobsService } from 'src/jobs/jobs.service';
import { CHECKPOINT_JOB } from 'src/log/checkpoint-scheduler';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { newWorld, World } from 'test/support/auth-fixtures';
import { testEntry } from 'test/support/log-stack';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

const INTERVAL_MS = 1000;
/** How long the rounds are counted: long enough that a round in each worker would show. */
const WINDOW_MS = 8000;

describe('scheduled checkpoints with two workers on one database and queue', () => {
  let a: TestApp;
  let b: TestApp;
  let good: World;
  let failing: World;
  let owner: Client;

  beforeAll(async () => {
    const env = { CHECKPOINT_INTERVAL_SECONDS: String(INTERVAL_MS / 1000) };
    a = await createTestApp({ runWorkers: true, env });
    b = await createTestApp({ runWorkers: true, env, database: a.database });
    good = await newWorld(a);
    failing = await newWorld(a);
    owner = new Client({ connectionString: a.database.url });
    await owner.connect();
  });
  afterAll(async () => {
    await owner.end();
    await b.close({ keepDatabase: true });
    await a.close();
  });

  const sizes = async (tenantId: string) => {
    const { rows } = await owner.query<{ size: string }>(
      `SELECT size FROM checkpoints WHERE tenant_id = $1 ORDER BY size`,
      [tenantId],
    );
    return rows.map((r) => Number(r.size));
  };

  it('runs each round in one worker only, and keeps signing the logs that grew', async () => {
    // What each process does, seen from inside it: a round starts by listing the logs to sign
    // (in the old setInterval scheduler too), and a scheduled round is run by JobsService.
    const apps = [a, b];
    const listings = apps.map((t) =>
      jest.spyOn(t.app.get(LogRepository), 'listTenantsToCheckpoint'),
    );
    const runs = apps.map((t) => jest.spyOn(t.app.get(JobsService), 'runScheduled'));
    // One tenant's checkpoints fail in both processes; the other's must still be signed.
    const issues = apps.map((t) => {
      const log = t.app.get(LogService);
      const issue = log.issueCheckpoint.bind(log);
      return jest
        .spyOn(log, 'issueCheckpoint')
        .mockImplementation((tenantId) =>
          tenantId === failing.tenantId
            ? Promise.reject(new Error('signing refused for this test'))
            : issue(tenantId),
        );
    });
    const started = Date.now();

    // Entries appended through either process are signed by whichever worker runs the round.
    const append = (t: TestApp, tenantId: string, count: number, note: string) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          t.app.get(LogWriter).append(tenantId, testEntry('review', `${note}${i}`)),
        ),
      );
    await append(a, failing.tenantId, 2, 'f');
    await append(a, good.tenantId, 3, 'a');
    await waitFor(
      async () => ((await sizes(good.tenantId)).includes(3) ? true : undefined),
      'a checkpoint of size 3',
    );
    await append(b, good.tenantId, 2, 'b');
    await waitFor(
      async () => ((await sizes(good.tenantId)).includes(5) ? true : undefined),
      'a checkpoint of size 5',
    );
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, started + WINDOW_MS - Date.now())),
    );
    const elapsed = Date.now() - started;
    const rounds = runs
      .flatMap((spy) => spy.mock.calls)
      .filter(([kind]) => kind === CHECKPOINT_JOB)
      .map(([, deliveryId]) => deliveryId);

    // One schedule, not one per process: two setInterval schedulers list about twice as often
    // (16 in 8 s here). Slack: one round for the window's edges, one for a round started late.
    const total = listings.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    expect(total).toBeGreaterThanOrEqual(2);
    expect(total).toBeLessThanOrEqual(Math.floor(elapsed / INTERVAL_MS) + 2);
    // Each round (one queue job, id repeat:log.checkpoints:<due ms>) was run once, by one worker.
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rounds).size).toBe(rounds.length);
    // Both processes registered the schedule: it is one scheduler, at the configured interval.
    expect(await a.app.get<Queue>(getQueueToken(JOBS_QUEUE)).getJobSchedulers()).toEqual([
      expect.objectContaining({ key: CHECKPOINT_JOB, every: INTERVAL_MS }),
    ]);

    // The failing tenant was tried round after round, and the other was signed all the same.
    const failed = issues
      .flatMap((spy) => spy.mock.calls)
      .filter(([id]) => id === failing.tenantId);
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(await sizes(good.tenantId)).toEqual([3, 5]);
    expect(await sizes(failing.tenantId)).toEqual([]);
  });
});
