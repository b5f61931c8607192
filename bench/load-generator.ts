import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadJob, LoadMessage } from './http-load';
import { progress } from './stats';

export type LoadResult = Extract<LoadMessage, { kind: 'done' }>;

/** The child process that plays the HTTP clients (bench/http-load.ts), reused across rounds. */
export class LoadGenerator {
  private readonly child: ChildProcess;

  constructor() {
    this.child = fork(join(__dirname, 'http-load.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  /** Runs one job, redrawing a progress line labelled `label` while it runs. */
  run(job: LoadJob, label: string): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`the load generator exited with code ${code}`));
      const onMessage = (message: LoadMessage) => {
        if (message.kind === 'progress') {
          progress(label, message.done, job.count, 'requests');
          return;
        }
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        progress(label, job.count, job.count, 'requests');
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(job);
    });
  }

  /** The clients' process, to count its CPU. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
