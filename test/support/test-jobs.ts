import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { JobHandlerRegistry } from 'src/jobs/job-handlers';
import { PermanentJobError } from 'src/jobs/jobs.errors';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Job kinds that exist only in tests, each exercising one path of the job machinery. */
@Injectable()
class TestJobHandlers implements OnModuleInit {
  constructor(private readonly registry: JobHandlerRegistry) {}

  onModuleInit(): void {
    this.registry.register({
      kind: 'test.echo',
      run: async (payload, ctx) => {
        await ctx.progress(50, 'half way');
        return { resultRef: `echo:${String(payload.value)}` };
      },
    });
    this.registry.register({
      kind: 'test.flaky',
      run: (_payload, ctx) => {
        if (ctx.attempt === 1) return Promise.reject(new Error('transient failure'));
        return Promise.resolve({ resultRef: `attempt:${ctx.attempt}` });
      },
    });
    this.registry.register({
      kind: 'test.permanent',
      run: () => Promise.reject(new PermanentJobError('input can never work')),
    });
    this.registry.register({
      kind: 'test.always-fails',
      maxAttempts: 2,
      run: () => Promise.reject(new Error('still broken')),
    });
    this.registry.register({
      kind: 'test.tick',
      run: (_payload, ctx) => Promise.resolve({ resultRef: `tick:${ctx.jobId}` }),
    });
    this.registry.register({
      kind: 'test.slow',
      run: async (payload, ctx) => {
        await ctx.progress(10, 'started');
        await sleep(Number(payload.ms ?? 1000));
        return { resultRef: 'slow:done' };
      },
    });
  }
}

@Module({ providers: [TestJobHandlers] })
export class TestJobsModule {}
