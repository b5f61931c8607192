import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JobsService } from 'src/jobs/jobs.service';

/**
 * Prometheus metrics on a registry of this application instance (not prom-client's global one, so
 * several instances can live in one test process).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(jobs: JobsService) {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, matched route and status code',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Gauge({
      name: 'audit_jobs',
      help: 'Jobs in the jobs table by kind and status',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await jobs.countByKindAndStatus()) {
          this.set({ kind: row.kind, status: row.status }, row.count);
        }
      },
    });
  }

  /**
   * Express middleware timing every request. The route label is the matched route pattern
   * (`/v1/jobs/:id`), never the raw URL, so label cardinality stays bounded.
   */
  httpMiddleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.httpDuration.startTimer();
      res.once('finish', () => {
        const path = (req.route as { path?: unknown } | undefined)?.path;
        // Nest answers unknown URLs from a catch-all route ({/*splat}); that is not a route of ours.
        const matched = typeof path === 'string' && !path.includes('*');
        end({
          method: req.method,
          route: matched ? `${req.baseUrl}${path}` : 'unmatched',
          status: String(res.statusCode),
        });
      });
      next();
    };
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
