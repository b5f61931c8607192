import { Client } from 'pg';
import { LogRepository } from 'src/log/log.repository';
import { baselineInsert, readRecordRows, RecordRows } from './baseline-insert';
import { BenchApp } from './bench-app';
import { CpuSpent, measureCpu } from './cpu-usage';
import { LoadGenerator, LoadResult } from './load-generator';
import { median, step } from './stats';

export const CONCURRENCY = 16;
/** The log writer's largest group commit; the baseline batches as many rows per transaction. */
export const BASELINE_BATCH = 256;

export interface ThroughputSetup {
  bench: BenchApp;
  owner: Client;
  database: string;
  load: LoadGenerator;
  /** Tenant and key (scope records:submit) the clients post as. */
  submitter: { tenantId: string; apiKey: string };
  /** Tenant and application the baseline's rows belong to. */
  baseline: { tenantId: string; applicationId: string };
  /** The POST /v1/records body, serialised once. */
  body: string;
  rounds: number;
  perRound: number;
  warmup: number;
}

/** What the group commit did during a stretch: batch sizes, transaction and prepare times. */
export interface CommitStats {
  sizes: number[];
  transactionMs: number[];
  /** Time inside the transaction spent canonicalising, hashing and signing the batch. */
  prepareMs: number[];
}

export interface ThroughputResult {
  httpRates: number[];
  baselineRates: number[];
  latenciesMs: number[];
  cpu: CpuSpent[];
  /** The baseline's rounds: this process is then its only client, and the app sits idle. */
  baselineCpu: CpuSpent[];
  commits: CommitStats;
}

/**
 * Watches the log's append transactions on the app's own repository instance: the transaction
 * (inAppendTransaction), and inside it the time from the head's lock to the insert of the
 * entries, which is where the writer stamps, hashes and signs them. Nothing in the source
 * changes; the cost is a few clock reads per batch.
 */
function watchCommits(repository: LogRepository): { take: () => CommitStats } {
  let stats: CommitStats = { sizes: [], transactionMs: [], prepareMs: [] };
  const transaction = repository.inAppendTransaction.bind(repository);
  const lockHead = repository.lockHead.bind(repository);
  const insertEntries = repository.insertEntries.bind(repository);
  let locked = 0;
  repository.inAppendTransaction = async (tenantId, work) => {
    const started = performance.now();
    try {
      return await transaction(tenantId, work);
    } finally {
      stats.transactionMs.push(performance.now() - started);
    }
  };
  repository.lockHead = async (tenantId) => {
    const head = await lockHead(tenantId);
    locked = performance.now();
    return head;
  };
  repository.insertEntries = (tenantId, entries) => {
    stats.prepareMs.push(performance.now() - locked);
    stats.sizes.push(entries.length);
    return insertEntries(tenantId, entries);
  };
  return {
    take: () => {
      const taken = stats;
      stats = { sizes: [], transactionMs: [], prepareMs: [] };
      return taken;
    },
  };
}

function job(setup: ThroughputSetup, count: number, keyPrefix: string) {
  return {
    port: setup.bench.port,
    path: '/v1/records',
    apiKey: setup.submitter.apiKey,
    body: setup.body,
    count,
    concurrency: CONCURRENCY,
    keyPrefix,
    expect: 201,
  };
}

function requireSuccess(result: LoadResult): void {
  if (result.failures > 0) {
    throw new Error(`${result.failures} requests failed; the first: ${result.firstFailure}`);
  }
}

/** One timed round of the clients: its rate, latencies, CPU and group commits go into `result`. */
async function httpRound(
  setup: ThroughputSetup,
  commits: { take: () => CommitStats },
  label: string,
  result: ThroughputResult,
): Promise<void> {
  const clients = setup.load.pid === undefined ? [] : [setup.load.pid];
  const stop = await measureCpu(setup.owner, setup.database, clients);
  const done = await setup.load.run(
    job(setup, setup.perRound, label.replace(/\W+/g, '-')),
    `${label} HTTP    `,
  );
  result.cpu.push(await stop());
  requireSuccess(done);
  const taken = commits.take();
  result.commits.sizes.push(...taken.sizes);
  result.commits.transactionMs.push(...taken.transactionMs);
  result.commits.prepareMs.push(...taken.prepareMs);
  result.httpRates.push((setup.perRound * 1000) / done.elapsedMs);
  result.latenciesMs.push(...done.latenciesMs);
}

/** One timed round of the baseline, its log indexes from `firstIndex`. */
async function baselineRound(
  setup: ThroughputSetup,
  template: RecordRows,
  firstIndex: number,
  label: string,
  result: ThroughputResult,
): Promise<void> {
  const stop = await measureCpu(setup.owner, setup.database);
  const elapsed = await baselineInsert(
    setup.owner,
    template,
    { ...setup.baseline, firstIndex, keyPrefix: label.replace(/\W+/g, '-') },
    setup.perRound,
    BASELINE_BATCH,
  );
  result.baselineCpu.push(await stop());
  result.baselineRates.push((setup.perRound * 1000) / elapsed);
  step(`${label} baseline: ${setup.perRound} records' rows in ${elapsed.toFixed(0)} ms`);
}

/**
 * Part 1: POST /v1/records by 16 concurrent clients against the raw-INSERT baseline of the same
 * rows, interleaved round by round (the order alternating) so that drift in a shared machine's
 * load hits both alike. Any failed request aborts the run.
 */
export async function measureThroughput(setup: ThroughputSetup): Promise<ThroughputResult> {
  const commits = watchCommits(setup.bench.app.get(LogRepository));
  requireSuccess(await setup.load.run(job(setup, setup.warmup, 'warmup'), 'warm-up           '));
  commits.take();
  // The baseline copies a record the service has just written, row for row.
  const { rows } = await setup.owner.query<{ id: string }>(
    `SELECT id FROM records WHERE tenant_id = $1 ORDER BY log_index DESC LIMIT 1`,
    [setup.submitter.tenantId],
  );
  const template = await readRecordRows(setup.owner, rows[0].id);
  const warmBaseline = { ...setup.baseline, firstIndex: 0, keyPrefix: 'base-warmup' };
  await baselineInsert(setup.owner, template, warmBaseline, BASELINE_BATCH, BASELINE_BATCH);
  const result: ThroughputResult = {
    httpRates: [],
    baselineRates: [],
    latenciesMs: [],
    cpu: [],
    baselineCpu: [],
    commits: { sizes: [], transactionMs: [], prepareMs: [] },
  };
  for (let round = 0; round < setup.rounds; round++) {
    const label = `round ${round + 1}/${setup.rounds}`;
    const http = () => httpRound(setup, commits, label, result);
    const firstIndex = BASELINE_BATCH + round * setup.perRound;
    const baseline = () => baselineRound(setup, template, firstIndex, label, result);
    if (round % 2 === 0) {
      await http();
      await baseline();
    } else {
      await baseline();
      await http();
    }
  }
  step(
    `POST /v1/records median ${median(result.httpRates).toFixed(0)} records/s, baseline ${median(result.baselineRates).toFixed(0)} records/s`,
  );
  return result;
}
