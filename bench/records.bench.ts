import { cpus, loadavg } from 'node:os';
import { Client } from 'pg';
import { LogService } from 'src/log/log.service';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { submittedPayload } from 'test/support/submitted-payload';
import { BenchApp, createTenantWithKey, startBenchApp } from './bench-app';
import { BenchDatabase, createBenchDatabase } from './bench-database';
import { measureGenerationOverhead } from './generation-overhead';
import { fillLog, rebuildTree, timeProofs } from './large-log';
import { LoadGenerator } from './load-generator';
import { Breakdown, profileRecords } from './records-breakdown';
import {
  breakdownRows,
  overheadRows,
  proofRows,
  TARGETS,
  throughputRows,
  verificationRows,
} from './records-report';
import { measureThroughput, ThroughputResult } from './records-throughput';
import { median, progress, Row, step, table } from './stats';

/**
 * `npm run bench:records`: the audit path's numbers from one run, against the real app on a real
 * port and a fresh PostgreSQL database (dropped at the end):
 *  1. POST /v1/records with 16 concurrent clients, against raw INSERTs of the same rows (ratio),
 *     with p50/p99 latency; where the time goes when the target is missed;
 *  2. the p50 of an inclusion proof in a 1,000,000-leaf log;
 *  3. full-log verification: tree rebuilt from stored leaf hashes (leaves/s), and verifyLog over
 *     real signed entries (entries/s);
 *  4. POST /v1/generations p50 next to the bare model's generation of the same request.
 * Sizes scale down with the environment (BENCH_ROUNDS, BENCH_RECORDS, ...: see SIZES).
 */
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SIZES = {
  rounds: env('BENCH_ROUNDS', 3),
  perRound: env('BENCH_RECORDS', 3_000),
  warmup: env('BENCH_WARMUP', 500),
  logSize: env('BENCH_LOG_SIZE', 1_000_000),
  proofs: env('BENCH_PROOFS', 500),
  generations: env('BENCH_GENERATIONS', 20),
  generationWarmup: env('BENCH_GENERATION_WARMUP', 3),
  tokens: env('BENCH_TOKENS', 32),
};
const SUBMITTED_PROMPT = 'The patient was given';

interface Run {
  database: BenchDatabase;
  bench: BenchApp;
  owner: Client;
  load: LoadGenerator;
}

/** The POST /v1/records body: one real generation of the shipped model, as an app would send it. */
async function submittedBody(bench: BenchApp): Promise<{ body: string; model: string }> {
  const runtime = bench.app.get(ModelRuntime);
  const result = await runtime.generate(SUBMITTED_PROMPT, { maxTokens: SIZES.tokens, seed: 7 });
  const payload = submittedPayload(result, {
    purpose: 'discharge summary',
    caseId: 'CASE-2026-0042',
  });
  return {
    body: JSON.stringify(payload),
    model: `${result.model.name} ${result.model.version} (${result.tokens.length} tokens, ${result.chunks.length} chunks)`,
  };
}

/** The V8 heap flags the bench runs with, which npm start gives the service too. */
function nodeFlags(): string {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter(
    (arg) => arg.startsWith('--max-'),
  );
  return flags.length > 0 ? ` (${flags.join(' ')})` : ' (default heap flags)';
}

async function setupRows(run: Run): Promise<Row[]> {
  const { rows } = await run.owner.query<{ server_version: string }>('SHOW server_version');
  const [one, five] = loadavg();
  return [
    'Setup',
    [
      'machine',
      `${cpus().length} cores, Node.js ${process.version}${nodeFlags()}; load average ${one.toFixed(1)} (1 min), ${five.toFixed(1)} (5 min) at start: a shared machine`,
    ],
    [
      'PostgreSQL',
      `${rows[0].server_version} at ${run.database.server}, fresh database dropped at the end`,
    ],
    [
      'application',
      `the production app on 127.0.0.1:${run.bench.port}: pool of ${run.bench.config.DB_POOL_SIZE} connections, JSON logs at ${run.bench.config.LOG_LEVEL} to /dev/null, queue workers off, per-key rate limit lifted`,
    ],
  ];
}

/** Part 3b: LogService.verifyLog over the signed records part 1 committed. */
async function verifyRealEntries(run: Run, tenantId: string) {
  const log = run.bench.app.get(LogService);
  await log.issueCheckpoint(tenantId);
  const started = performance.now();
  const { size, problem } = await log.verifyLog(tenantId, (done, total) =>
    progress('verifyLog          ', done, total, 'entries'),
  );
  const ms = performance.now() - started;
  const { rows } = await run.owner.query<{ bytes: string }>(
    `SELECT avg(octet_length(body)) AS bytes FROM log_entries WHERE tenant_id = $1`,
    [tenantId],
  );
  return { entries: size, ms, problem, bodyBytes: Number(rows[0].bytes) };
}

async function measure(run: Run): Promise<Row[]> {
  const { bench, owner, load, database } = run;
  const submitter = await createTenantWithKey(bench.app, 'bench-records', ['records:submit']);
  const baseline = await createTenantWithKey(bench.app, 'bench-baseline', ['records:submit']);
  const generator = await createTenantWithKey(bench.app, 'bench-generations', ['generate']);
  const large = await createTenantWithKey(bench.app, 'bench-million', ['records:read']);
  const setup = await setupRows(run);
  const { body, model } = await submittedBody(bench);

  const throughput: ThroughputResult = await measureThroughput({
    ...SIZES,
    bench,
    owner,
    database: database.name,
    load,
    submitter,
    baseline,
    body,
  });
  const missed = median(throughput.httpRates) < TARGETS.recordsPerSecond;
  let breakdown: Breakdown | null = null;
  if (missed || process.env.BENCH_BREAKDOWN === '1') {
    breakdown = await profileRecords(
      { bench, load, body, submitter, profiledRequests: Math.ceil(SIZES.perRound / 2) },
      throughput,
    );
  }
  const verified = await verifyRealEntries(run, submitter.tenantId);
  const overhead = await measureGenerationOverhead(
    bench,
    generator.apiKey,
    SIZES.generations,
    SIZES.generationWarmup,
    SIZES.tokens,
  );
  const fillMs = await fillLog(owner, large.tenantId, SIZES.logSize);
  const proofs = await timeProofs(bench, owner, large.tenantId, SIZES.proofs);
  const rebuild = await rebuildTree(bench, large.tenantId);
  return [
    ...setup,
    ...throughputRows(throughput, {
      server: database.server,
      bodyBytes: Buffer.byteLength(body),
      model,
      perRound: SIZES.perRound,
      warmup: SIZES.warmup,
    }),
    ...proofRows(SIZES.logSize, fillMs, proofs),
    ...verificationRows(rebuild, verified),
    ...overheadRows(overhead, SIZES.generationWarmup),
    ...(breakdown ? breakdownRows(breakdown) : []),
  ];
}

async function main(): Promise<void> {
  const database = await createBenchDatabase();
  let bench: BenchApp | undefined;
  let owner: Client | undefined;
  let load: LoadGenerator | undefined;
  try {
    step(`fresh database ${database.name} on ${database.server}; starting the app`);
    bench = await startBenchApp(database);
    owner = new Client({ connectionString: database.url });
    await owner.connect();
    load = new LoadGenerator();
    const rows = await measure({ database, bench, owner, load });
    process.stdout.write(`${table(rows)}\n`);
  } finally {
    load?.stop();
    await owner?.end();
    await bench?.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
