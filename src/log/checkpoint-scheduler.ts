import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { JobHandlerRegistry } from 'src/jobs/job-handlers';
import { JobsService } from 'src/jobs/jobs.service';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';

/** The scheduled job that signs checkpoints; also the id of its job scheduler. */
export const CHECKPOINT_JOB = 'log.checkpoints';

/**
 * Signs a checkpoint of every tenant log that grew since its latest one, every
 * CHECKPOINT_INTERVAL_SECONDS, as a scheduled job of the jobs queue (JobsService.schedule): each
 * round runs in exactly one worker, however many workers run. Provided only where workers run;
 * every such process registers the handler and upserts the one scheduler, with its interval.
 *
 * A round that takes longer than the interval may overlap the next one (on another worker):
 * harmless, as signing is deterministic (Ed25519) and the first checkpoint stored of a size wins.
 */
@Injectable()
export class CheckpointScheduler implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(CheckpointScheduler.name);

  constructor(
    private readonly repository: LogRepository,
    private readonly log: LogService,
    private readonly handlers: JobHandlerRegistry,
    private readonly jobs: JobsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.handlers.register({
      kind: CHECKPOINT_JOB,
      run: async () => {
        await this.signAll();
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(CHECKPOINT_JOB, this.config.CHECKPOINT_INTERVAL_SECONDS * 1000);
  }

  /** One round: the number of checkpoints signed. */
  async signAll(): Promise<number> {
    const tenants = await this.repository.listTenantsToCheckpoint();
    let signed = 0;
    for (const tenantId of tenants) {
      // One tenant's failure must not stop the others' checkpoints.
      try {
        const checkpoint = await this.log.issueCheckpoint(tenantId);
        this.logger.log({ tenantId, size: checkpoint.size }, 'checkpoint signed');
        signed += 1;
      } catch (error) {
        this.logger.error({ tenantId, err: error }, 'checkpoint not signed');
      }
    }
    return signed;
  }
}
