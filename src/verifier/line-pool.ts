import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CheckedLine, LineChecker } from 'src/verifier/package-entries';

/**
 * Worker threads that verify a package's lines (parse, canonical form, leaf hash, Ed25519), so
 * that a large package is checked on every core an auditor's machine has. The lines go in
 * batches of about a mebibyte, copied into a buffer that is moved to the worker, not cloned;
 * the results come back in the order the lines were read, at most two batches per worker ahead
 * of the caller. What depends on the lines before (log order, tenant, counts) stays with the
 * caller, which receives the lines one by one as from `checkLinesHere`.
 */
export class LinePool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, Waiting>();
  private sent = 0;
  private failure: Error | null = null;
  private closing = false;

  /**
   * `jwks` is the key set's JSON, parsed again in each worker; `batchLines` caps the lines sent
   * at a time (small in tests, so that the order of many batches is checked).
   */
  constructor(
    count: number,
    jwks: unknown,
    private readonly batchLines = BATCH_LINES,
  ) {
    // Compiled, the worker is line-worker.js beside this file; run as TypeScript (tests,
    // `node -r @swc-node/register`), it is line-worker.ts, compiled by the same hook.
    const typescript = extname(__filename) === '.ts';
    const file = join(__dirname, `line-worker${typescript ? '.ts' : '.js'}`);
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(file, {
        workerData: { jwks },
        execArgv: typescript ? ['-r', '@swc-node/register'] : undefined,
      });
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error) => this.fail(error));
      // Any stop but close()'s leaves lines unanswered: fail them rather than wait forever.
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a verifying thread stopped (exit code ${code})`));
      });
      return worker;
    });
  }

  get checker(): LineChecker {
    return (file, lines) => this.check(file, lines);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private async *check(file: string, lines: AsyncIterable<Buffer>): AsyncGenerator<CheckedLine> {
    const ahead: Promise<CheckedLine[]>[] = [];
    let batch: Buffer[] = [];
    let bytes = 0;
    let first = 0;
    const send = () => {
      const sent = this.run(file, first, batch);
      // Awaited in order below; a failure meanwhile must not count as unhandled.
      sent.catch(() => undefined);
      ahead.push(sent);
      first += batch.length;
      batch = [];
      bytes = 0;
    };
    for await (const line of lines) {
      // A line may be a view of a chunk its source reuses once asked for the next: keep a copy.
      batch.push(Buffer.from(line));
      bytes += line.length;
      if (bytes >= BATCH_BYTES || batch.length >= this.batchLines) send();
      while (ahead.length >= 2 * this.workers.length) yield* await ahead.shift()!;
    }
    if (batch.length > 0) send();
    while (ahead.length > 0) yield* await ahead.shift()!;
  }

  /** One batch to the next worker in turn, its lines copied into one buffer to move there. */
  private run(file: string, first: number, lines: readonly Buffer[]): Promise<CheckedLine[]> {
    if (this.failure) return Promise.reject(this.failure);
    const buffer = new Uint8Array(lines.reduce((sum, l) => sum + l.length, 0));
    const ends: number[] = [];
    let at = 0;
    for (const line of lines) {
      buffer.set(line, at);
      at += line.length;
      ends.push(at);
    }
    const id = this.sent++;
    const worker = this.workers[id % this.workers.length];
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const message: WorkerRequest = { id, file, first, buffer: buffer.buffer, ends };
      worker.postMessage(message, [buffer.buffer]);
    });
  }

  private settle(reply: WorkerReply): void {
    const waiting = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    // Structured clone gives Uint8Arrays back: the leaf hashes are Buffers again.
    for (const { line } of reply.results) {
      if (line.result?.leaf) line.result.leaf = Buffer.from(line.result.leaf);
    }
    waiting?.resolve(reply.results);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
  }
}

/** About a mebibyte of lines, or this many lines, per batch. */
const BATCH_BYTES = 1 << 20;
const BATCH_LINES = 512;

interface Waiting {
  resolve: (results: CheckedLine[]) => void;
  reject: (error: Error) => void;
}

export interface WorkerRequest {
  id: number;
  file: string;
  /** The number of lines of `file` before this batch. */
  first: number;
  buffer: ArrayBufferLike;
  /** Where each line ends in `buffer`. */
  ends: number[];
}

export interface WorkerReply {
  id: number;
  results: CheckedLine[];
}
