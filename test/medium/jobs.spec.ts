import { getQueueToken } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobEntity } from 'src/jobs/job.entity';
import { JOBS_QUEUE } from 'src/jobs/jobs.constants';
import { JobNotFoundError, UnknownJobKindError } from 'src/jobs/jobs.errors';
import { JobsService } from 'src/jobs/jobs.service';
import { QueueBackendKind } from 'src/queue/queue-backend';
import { createTestApp, redisAvailable, TestApp } from 'test/support/test-app';
import { factory } from 'test/support/factory';
import { TestJobsModule } from 'test/support/test-jobs';
import { waitFor } from 'test/support/wait';

// The PostgreSQL backend is always available (it runs on the test database); Redis when the run
// has TEST_REDIS_URL (CI's production pass). The same assertions hold on both.
const backends: QueueBackendKind[] = [
  'postgres',
  ...(redisAvailable() ? (['redis'] as const) : []),
];

async function finished(jobs: JobsService, id: string): Promise<JobEntity> {
  return waitFor(async () => {
    const job = await jobs.get(id);
    return job.status === 'succeeded' || job.status === 'failed' ? job : undefined;
  }, `job ${id} to finish`);
}

describe.each(backends)('jobs on the %s queue backend', (backend) => {
  let t: TestApp;
  let jobs: JobsService;

  beforeAll(async () => {
    t = await createTestApp({ queue: backend, imports: [TestJobsModule] });
    jobs = t.app.get(JobsService);
  });
  afterAll(() => t.close());

  it('runs a job and records progress and result in our own table', async () => {
    const queued = await jobs.enqueue('test.echo', { value: 42 });
    expect(queued.status).toBe('queued');
    const job = await finished(jobs, queued.id);
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: 100,
      resultRef: 'echo:42',
      attempts: 1,
      error: null,
      kind: 'test.echo',
    });
    expect(job.startedAt).toBeInstanceOf(Date);
    expect(job.finishedAt!.getTime()).toBeGreaterThanOrEqual(job.startedAt!.getTime());
  });

  it('retries a transient failure and records the attempt that succeeded', async () => {
    const job = await finished(jobs, (await jobs.enqueue('test.flaky')).id);
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, resultRef: 'attempt:2' });
  });

  it('fails a permanent error at once, without using up the attempts', async () => {
    const job = await finished(jobs, (await jobs.enqueue('test.permanent')).id);
    expect(job).toMatchObject({ status: 'failed', attempts: 1, error: 'input can never work' });
    expect(job.maxAttempts).toBeGreaterThan(1);
  });

  it('marks a job failed after its last attempt', async () => {
    const job = await finished(jobs, (await jobs.enqueue('test.always-fails')).id);
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 2,
      maxAttempts: 2,
      error: 'still broken',
    });
  });

  it('refuses an unknown kind and writes nothing', async () => {
    const before = await jobs.countByKindAndStatus();
    await expect(jobs.enqueue('test.no-such-kind')).rejects.toBeInstanceOf(UnknownJobKindError);
    expect(await jobs.countByKindAndStatus()).toEqual(before);
  });

  it("runs a tenant's job in that tenant's rows, hidden from every other tenant", async () => {
    const f = factory(t);
    const [owner, other] = [await f.newTenant(), await f.newTenant()];
    const queued = await jobs.enqueue('test.echo', { value: 'tenant' }, owner.id);
    expect(queued.tenantId).toBe(owner.id);
    const job = await waitFor(async () => {
      const row = await jobs.get(queued.id, owner.id);
      return row.status === 'succeeded' ? row : undefined;
    }, 'the tenant job to finish');
    expect(job).toMatchObject({ tenantId: owner.id, resultRef: 'echo:tenant', progress: 100 });
    // Row-level security: neither another tenant nor a query outside any tenant sees it.
    await expect(jobs.get(queued.id, other.id)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(jobs.get(queued.id)).rejects.toBeInstanceOf(JobNotFoundError);
    // The metrics still count it, through the SECURITY DEFINER function.
    const counts = await jobs.countByKindAndStatus();
    const echo = counts.find((c) => c.kind === 'test.echo' && c.status === 'succeeded');
    expect(echo?.count).toBeGreaterThanOrEqual(2);
  });

  it('reports counts by kind and status from the table', async () => {
    const counts = await jobs.countByKindAndStatus();
    expect(counts).toEqual(
      expect.arrayContaining([
        { kind: 'test.echo', status: 'succeeded', count: 2 },
        { kind: 'test.permanent', status: 'failed', count: 1 },
      ]),
    );
  });
});

const isTick = (fields: unknown) => (fields as { kind?: unknown } | null)?.kind === 'test.tick';

describe.each(backends)('scheduled jobs on the %s queue backend', (backend) => {
  const pendingRounds = async (queue: Queue, kind: string) =>
    (await queue.getJobs(['waiting', 'delayed', 'prioritized'])).filter(
      (job) => job.repeatJobKey === kind,
    );

  it('runs a round every interval, logs each with its duration, and writes no job rows', async () => {
    // Spied on Nest's Logger class, which the jobs service logs through.
    const logged = jest.spyOn(Logger.prototype, 'log');
    const t = await createTestApp({ queue: backend, imports: [TestJobsModule] });
    try {
      const jobs = t.app.get(JobsService);
      await jobs.schedule('test.tick', 300);
      const rounds = await waitFor(() => {
        const lines = logged.mock.calls
          .filter(([fields, msg]) => msg === 'scheduled job succeeded' && isTick(fields))
          .map(([fields]) => fields as Record<string, unknown>);
        return Promise.resolve(lines.length >= 3 ? lines : undefined);
      }, 'three rounds');
      await t.app.get<Queue>(getQueueToken(JOBS_QUEUE)).removeJobScheduler('test.tick');
      const ids = rounds.map((l) => l.jobId as string);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^repeat:test\.tick:\d+$/);
      for (const round of rounds) expect(round.durationMs).toEqual(expect.any(Number));
      expect((await jobs.countByKindAndStatus()).filter((c) => c.kind === 'test.tick')).toEqual([]);
    } finally {
      logged.mockRestore();
      await t.close();
    }
  });

  it('registers by upsert: once however often, with the latest interval', async () => {
    const t = await createTestApp({
      queue: backend,
      runWorkers: false,
      imports: [TestJobsModule],
    });
    try {
      const jobs = t.app.get(JobsService);
      const queue = t.app.get<Queue>(getQueueToken(JOBS_QUEUE));
      await jobs.schedule('test.tick', 60_000);
      await jobs.schedule('test.tick', 60_000);
      expect(await queue.getJobSchedulers()).toEqual([
        expect.objectContaining({ key: 'test.tick', every: 60_000 }),
      ]);
      const [first] = await pendingRounds(queue, 'test.tick');
      expect(await pendingRounds(queue, 'test.tick')).toHaveLength(1);

      await jobs.schedule('test.tick', 120_000);
      expect(await queue.getJobSchedulers()).toEqual([
        expect.objectContaining({ key: 'test.tick', every: 120_000 }),
      ]);
      expect(await pendingRounds(queue, 'test.tick')).toHaveLength(1);

      // A scheduler the queue lost is registered again by the sweep; one it has is left alone.
      expect(await jobs.ensureSchedules()).toBe(0);
      await queue.removeJobScheduler('test.tick');
      expect(await queue.getJobScheduler('test.tick')).toBeUndefined();
      expect(await jobs.ensureSchedules()).toBe(1);
      expect(await queue.getJobScheduler('test.tick')).toMatchObject({ every: 120_000 });
      expect(first?.id).toMatch(/^repeat:test\.tick:\d+$/);
    } finally {
      await t.close();
    }
  });

  it('queues one round when several processes register at the same moment', async () => {
    const a = await createTestApp({ queue: backend, runWorkers: false, imports: [TestJobsModule] });
    const b = await createTestApp({
      queue: backend,
      runWorkers: false,
      imports: [TestJobsModule],
      database: a.database,
    });
    try {
      const queue = a.app.get<Queue>(getQueueToken(JOBS_QUEUE));
      const seen = new Set<string | undefined>();
      for (let round = 0; round < 4; round++) {
        // A few milliseconds apart, as separate processes would be (the same millisecond gives
        // the same round id, which would hide a second round).
        await Promise.all(
          [a, b].map(async (app, i) => {
            await new Promise((resolve) => setTimeout(resolve, i * (round + 1)));
            await app.app.get(JobsService).schedule('test.tick', 60_000);
          }),
        );
        const queued = (await pendingRounds(queue, 'test.tick')).filter((j) => !seen.has(j.id));
        expect(queued).toHaveLength(1);
        queued.forEach((j) => seen.add(j.id));
        // Start again from no scheduler (its first round stays queued: BullMQ keeps it).
        await queue.removeJobScheduler('test.tick');
      }
    } finally {
      await b.close({ keepDatabase: true });
      await a.close();
    }
  });
});

describe.each(backends)('a queue outage on the %s backend', (backend) => {
  it('keeps the job as queued and runs it once the queue is back (after a restart)', async () => {
    // Writer: an API process whose queue connection is gone when the job is enqueued.
    const writer = await createTestApp({
      queue: backend,
      runWorkers: false,
      imports: [TestJobsModule],
    });
    await writer.app.get<Queue>(getQueueToken(JOBS_QUEUE)).close();
    const queued = await writer.app
      .get(JobsService)
      .enqueue('test.echo', { value: 'after-outage' });
    expect((await writer.app.get(JobsService).get(queued.id)).status).toBe('queued');
    await writer.close({ keepDatabase: true });

    // A new process on the same database, queue reachable: the sweep puts the job back on it.
    const worker = await createTestApp({
      queue: backend,
      database: writer.database,
      imports: [TestJobsModule],
    });
    try {
      const jobs = worker.app.get(JobsService);
      expect(await jobs.requeueStale(0)).toBeGreaterThanOrEqual(1);
      const job = await finished(jobs, queued.id);
      expect(job).toMatchObject({ status: 'succeeded', resultRef: 'echo:after-outage' });
    } finally {
      await worker.close();
    }
  });
});
