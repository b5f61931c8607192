import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { LogRepository } from 'src/log/log.repository';
import { LogService } from 'src/log/log.service';

/**
 * Signs a checkpoint of every tenant log that grew since its latest one, every
 * CHECKPOINT_INTERVAL_SECONDS, in worker processes. Several workers may sign the same size at
 * once: Ed25519 is deterministic, so they sign the same note, and the first stored wins.
 */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CheckpointScheduler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly repository: LogRepository,
    private readonly log: LogService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.tick(),
      this.config.CHECKPOINT_INTERVAL_SECONDS * 1000,
    );
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round: the number of checkpoints signed. Overlapping rounds are skipped. */
  async tick(): Promise<number> {
    if (this.running) return 0;
    this.running = this.signAll();
    try {
      return await this.running;
    } catch (error) {
      this.logger.warn({ err: error }, 'scheduled checkpoints failed; the next round retries');
      return 0;
    } finally {
      this.running = undefined;
    }
  }

  private async signAll(): Promise<number> {
    const tenants = await this.repository.tenantsToCheckpoint();
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
