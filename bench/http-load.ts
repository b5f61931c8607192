import { Agent } from 'node:http';
import { postJson } from './http-client';

/**
 * The load generator of `bench:records`, run as a child process so that the clients' event loop
 * is not the server's: `concurrency` clients each send their next request as soon as the answer
 * to the previous one is in, until `count` requests have been answered. Every request carries the
 * same body and an Idempotency-Key of its own.
 */
export interface LoadJob {
  port: number;
  path: string;
  apiKey: string;
  body: string;
  count: number;
  concurrency: number;
  /** Idempotency-Key of request i: `bench-${keyPrefix}-${i}`. */
  keyPrefix: string;
  /** The status every answer should have (201 for a committed record). */
  expect: number;
}

export type LoadMessage =
  | { kind: 'progress'; done: number }
  | {
      kind: 'done';
      elapsedMs: number;
      latenciesMs: number[];
      failures: number;
      firstFailure: string | null;
    };

async function run(job: LoadJob, send: (message: LoadMessage) => void): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const body = Buffer.from(job.body, 'utf8');
  const latenciesMs: number[] = [];
  let next = 0;
  let failures = 0;
  let firstFailure: string | null = null;
  const progress = setInterval(() => send({ kind: 'progress', done: latenciesMs.length }), 250);
  const client = async () => {
    while (next < job.count) {
      const i = next++;
      const started = performance.now();
      const reply = await postJson(
        agent,
        job.port,
        job.path,
        { authorization: `Bearer ${job.apiKey}`, 'idempotency-key': `bench-${job.keyPrefix}-${i}` },
        body,
      );
      latenciesMs.push(performance.now() - started);
      if (reply.status !== job.expect) {
        failures++;
        firstFailure ??= `${reply.status} ${reply.body.slice(0, 300)}`;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, client));
  const elapsedMs = performance.now() - started;
  clearInterval(progress);
  agent.destroy();
  send({ kind: 'done', elapsedMs, latenciesMs, failures, firstFailure });
}

process.on('message', (job: LoadJob) => {
  const send = (message: LoadMessage) => process.send?.(message);
  run(job, send).catch((error: unknown) => {
    process.stderr.write(`load generator: ${String(error)}\n`);
    process.exit(1);
  });
});
