import { Injectable } from '@nestjs/common';
import { UnknownJobKindError } from 'src/jobs/jobs.errors';

export interface JobContext {
  /** The jobs table row's id; for a round of a scheduled job, the queue's id of the round. */
  readonly jobId: string;
  /** The tenant the job belongs to; null for the service's own jobs and scheduled rounds. */
  readonly tenantId: string | null;
  readonly attempt: number;
  /**
   * Records progress (0–100) in the jobs table, where the portal reads it. Does nothing in a round
   * of a scheduled job, which has no row (JobsService.schedule).
   */
  progress(percent: number, message?: string): Promise<void>;
}

export interface JobOutcome {
  /** Where the product of the job lives (artifact key, record id), if it has one. */
  resultRef?: string;
}

export interface JobHandler {
  readonly kind: string;
  /** Attempts before the job is marked failed (default 3). */
  readonly maxAttempts?: number;
  run(payload: Record<string, unknown>, context: JobContext): Promise<JobOutcome | void>;
}

/**
 * Job kinds and the code that runs them. Domain modules register their handlers at start-up
 * (reports, evidence packages, checkpoints...); the one processor of the queue looks them up here.
 */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register(handler: JobHandler): void {
    if (this.handlers.has(handler.kind)) {
      throw new Error(`job kind "${handler.kind}" is registered twice`);
    }
    this.handlers.set(handler.kind, handler);
  }

  get(kind: string): JobHandler {
    const handler = this.handlers.get(kind);
    if (!handler) throw new UnknownJobKindError(kind);
    return handler;
  }

  has(kind: string): boolean {
    return this.handlers.has(kind);
  }
}
