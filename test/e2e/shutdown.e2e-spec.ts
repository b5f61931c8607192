import request from 'supertest';
import { JobsService } from 'src/jobs/jobs.service';
import { createTestApp } from 'test/support/test-app';
import { TestJobsModule } from 'test/support/test-jobs';
import { TestRoutesModule } from 'test/support/test-routes';
import { waitFor } from 'test/support/wait';

describe('graceful shutdown', () => {
  it('finishes an in-flight request and an active job before closing', async () => {
    const t = await createTestApp({ imports: [TestRoutesModule, TestJobsModule] });
    await t.app.listen(0, '127.0.0.1');
    const jobs = t.app.get(JobsService);
    const job = await jobs.enqueue('test.slow', { ms: 1500 });
    await waitFor(
      async () => ((await jobs.get(job.id)).status === 'running' ? true : undefined),
      'job to start',
    );

    // Sent now and awaited only after close(): end() starts the request at once.
    const response = new Promise<request.Response>((resolve, reject) => {
      request(t.app.getHttpServer())
        .get('/test/slow?ms=1000')
        .end((error: Error | null, res) => (error ? reject(error) : resolve(res)));
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the request is now being handled

    await t.app.close(); // what SIGTERM triggers in bootstrap
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ done: true });

    // The worker was allowed to finish the job before the database connection closed.
    const restarted = await createTestApp({
      database: t.database,
      runWorkers: false,
      imports: [TestJobsModule],
    });
    try {
      expect(await restarted.app.get(JobsService).get(job.id)).toMatchObject({
        status: 'succeeded',
        resultRef: 'slow:done',
      });
    } finally {
      await restarted.close();
    }
  });
});
