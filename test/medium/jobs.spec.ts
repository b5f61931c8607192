import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { JobEntity } from 'src/jobs/job.entity';
import { JOBS_QUEUE } from 'src/jobs/jobs.constants';
import { UnknownJobKindError } from 'src/jobs/jobs.errors';
import { JobsService } from 'src/jobs/jobs.service';
import { QueueBackendKind } from 'src/queue/queue-backend';
import { createTestApp, redisAvailable, TestApp } from 'test/support/test-app';
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

  it('reports counts by kind and status from the table', async () => {
    const counts = await jobs.countByKindAndStatus();
    expect(counts).toEqual(
      expect.arrayContaining([
        { kind: 'test.echo', status: 'succeeded', count: 1 },
        { kind: 'test.permanent', status: 'failed', count: 1 },
      ]),
    );
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
