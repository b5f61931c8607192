import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ApplicationPrincipal } from 'src/access/principal';
import { ValidationFailedError } from 'src/common/domain-error';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { RecordsService, ScannedRecord } from 'src/records/records.service';
import { ReportsService } from 'src/reports/reports.service';
import { ReportsRepository } from 'src/reports/reports.repository';
import { submittedPayload } from 'test/support/submitted-payload';
import { BenchApp, createTenantWithKey, startBenchApp } from './bench-app';
import { createBenchDatabase } from './bench-database';
import { LoadGenerator } from './load-generator';
import { count, met, progress, Row, step, table } from './stats';

/**
 * `npm run bench:reports`: what a report costs, against the real app and a fresh PostgreSQL
 * database (dropped at the end). Records are posted through POST /v1/records (one real
 * generation of the shipped model, BENCH_TOKENS tokens, default 32), then, for each period size
 * (BENCH_REPORT_SIZES, default 1,000, 10,000 and 100,000 records; the first is the evidence
 * package of 1,000 records):
 *  - the baseline: reading the period's records once (RecordsService.scan, no text), the floor
 *    any report over them pays;
 *  - the period audit built as the worker builds it (every record's signature and inclusion
 *    checked, the PDF, the package, its self-check, storing): wall time, its ratio to the
 *    baseline, and the process's peak resident memory while it ran;
 *  - `audit-verify package` on the package it wrote, as an auditor runs it (the compiled CLI in a
 *    process of its own): wall time and peak resident memory. BENCH_KEEP_PACKAGES=<folder> keeps
 *    a copy of each package there (`<kind>-<records>.zip`), to verify again with other code.
 * And a case file of BENCH_CASE_RECORDS (100) records, each a decision card.
 * Goals: a 100,000-record period audit in under 60 s and 500 MB.
 */
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const SIZES = env('BENCH_REPORT_SIZES', '1000,10000,100000').split(',').map(Number);
const CASE_RECORDS = Number(env('BENCH_CASE_RECORDS', '100'));
/** Tokens per generated output: the size of each record (about 6 kB of signed body per chunk). */
const TOKENS = Number(env('BENCH_TOKENS', '32'));
const GOAL = { records: 100_000, seconds: 60, megabytes: 500 };
/**
 * The worker's Node options as `npm run start:worker` gives them (the heap limit, source maps),
 * so the bench runs the same.
 */
const WORKER_FLAGS = (
  JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
).scripts['start:worker']
  .split(' ')
  .filter((arg) => arg.startsWith('--'));

/** Where the worker, the verifier's CLI and the peak-memory preload are compiled to. */
const COMPILED = resolve('node_modules', '.cache', 'bench-report-worker');
/** The verifier's CLI as `npm run build` compiles it (bin/audit-verify.js runs the same file). */
const VERIFIER_CLI = join(COMPILED, 'src', 'verifier', 'audit-verify.js');
/** Writes the process's peak resident memory (bytes) to BENCH_PEAK_FILE as it exits. */
const PEAK_PRELOAD = join(COMPILED, 'peak-memory.js');

/**
 * The worker child compiled as `npm run build` compiles the service (swc, the same .swcrc), into
 * a folder of its own under node_modules/.cache: production workers run compiled JavaScript, and
 * a child that compiled TypeScript as it loaded (`-r @swc-node/register`) would carry the
 * compiler and its source maps, about 100 MB of resident memory no deployed worker has.
 */
function compiledWorker(): string {
  const out = COMPILED;
  rmSync(out, { recursive: true, force: true });
  step('compiling the report worker as npm run build does');
  execFileSync(
    join('node_modules', '.bin', 'swc'),
    [
      'src',
      'test/support/report-build-process.ts',
      '-d',
      out,
      '--config-file',
      '.swcrc',
      '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  step('');
  writeFileSync(
    PEAK_PRELOAD,
    `process.on('exit', () => {
  const kb = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'));
  require('fs').writeFileSync(process.env.BENCH_PEAK_FILE, String(kb ? Number(kb[1]) * 1024 : 0));
});
`,
  );
  return join(out, 'test', 'support', 'report-build-process.js');
}

async function main(): Promise<void> {
  const worker = compiledWorker();
  const database = await createBenchDatabase();
  const artifacts = mkdtempSync(join(tmpdir(), 'bench-reports-'));
  process.env.ARTIFACTS_DIR = artifacts;
  let bench: BenchApp | undefined;
  const load = new LoadGenerator();
  const rows: Row[] = [];
  try {
    bench = await startBenchApp(database);
    const [one] = loadavg();
    rows.push('Setup', [
      'machine',
      `${cpus().length} cores, Node.js ${process.version}, load average ${one.toFixed(1)} at start (shared)`,
    ]);
    const tenant = await createTenantWithKey(bench.app, 'bench-reports', [
      'records:submit',
      'reports',
    ]);
    const principal: ApplicationPrincipal = {
      kind: 'application',
      tenantId: tenant.tenantId,
      applicationId: tenant.applicationId,
      keyId: 'bench',
      keyPrefix: 'bench',
      scopes: ['records:submit', 'reports'],
    };
    const runtime = bench.app.get(ModelRuntime);
    const generation = await runtime.generate('The patient was given', {
      maxTokens: TOKENS,
      seed: 7,
    });
    const body = (caseId: string) =>
      JSON.stringify(submittedPayload(generation, { purpose: 'triage note', caseId }));
    rows.push([
      'record',
      `${Buffer.byteLength(body('CASE-1'))} bytes posted, ${generation.chunks.length} chunks`,
    ]);

    // The case file's records first, then each period's, so a period is a time range of its own.
    const posted = async (n: number, caseId: string, label: string) => {
      const result = await load.run(
        {
          port: bench!.port,
          path: '/v1/records',
          apiKey: tenant.apiKey,
          body: body(caseId),
          count: n,
          concurrency: 16,
          keyPrefix: `${label.replace(/[^A-Za-z0-9]+/g, '-')}-${Date.now()}`,
          expect: 201,
        },
        `posting ${label}`,
      );
      if (result.failures > 0) {
        throw new Error(`${result.failures} posts failed, first: ${result.firstFailure}`);
      }
    };
    await posted(CASE_RECORDS, 'CASE-BENCH', 'case file');
    const sample = await bench.app
      .get(RecordsService)
      .scan(
        tenant.tenantId,
        { caseId: 'CASE-BENCH' },
        { before: Number.MAX_SAFE_INTEGER, withText: false, pageSize: 1 },
      )
      .next();
    const first: ScannedRecord[] = sample.done ? [] : sample.value;
    const signed = first[0]?.canonical.length ?? 0;
    rows.push(['signed record body', `${count(signed)} bytes of canonical JSON`]);
    process.stdout.write(`\n${table(rows.splice(0))}\n`);
    const caseFile = await buildReport(bench, worker, principal, {
      kind: 'case-file',
      caseId: 'CASE-BENCH',
    });
    rows.push(
      `Case file of ${count(CASE_RECORDS)} records (a decision card each)`,
      ...caseFile.rows,
    );

    let posted_ = CASE_RECORDS;
    for (const size of SIZES) {
      const from = new Date();
      await posted(size, `CASE-P${size}`, `${count(size)} records`);
      posted_ += size;
      const to = new Date(Date.now() + 1000);
      const baseline = await timeScan(bench, tenant.tenantId, from, to);
      let audit: Awaited<ReturnType<typeof buildReport>>;
      try {
        audit = await buildReport(bench, worker, principal, {
          kind: 'period-audit',
          from: from.toISOString(),
          to: to.toISOString(),
        });
      } catch (error) {
        // A build that fails is a result too: print why, and go on with the next size.
        rows.push(
          `Period audit of ${count(size)} records`,
          ['baseline: read the records once', `${baseline.seconds.toFixed(1)} s`],
          ['build', `FAILED: ${failure(error)}`],
        );
        process.stdout.write(`\n${table(rows.splice(0))}\n`);
        continue;
      }
      const goalMet =
        size < GOAL.records || (audit.seconds < GOAL.seconds && audit.peakMb < GOAL.megabytes);
      rows.push(
        `Period audit of ${count(size)} records (tenant log holds ${count(posted_)} records)`,
        ['baseline: read the records once', `${baseline.seconds.toFixed(1)} s`],
        ...audit.rows,
        ['ratio to the baseline', `${(audit.seconds / baseline.seconds).toFixed(1)}×`],
        ...(size >= GOAL.records
          ? [
              [`goal: < ${GOAL.seconds} s and < ${GOAL.megabytes} MB`, met(goalMet)] as [
                string,
                string,
              ],
            ]
          : []),
      );
      process.stdout.write(`\n${table(rows.splice(0))}\n`);
    }
  } finally {
    load.stop();
    await bench?.close();
    await database.drop();
    rmSync(artifacts, { recursive: true, force: true });
  }
}

async function timeScan(bench: BenchApp, tenantId: string, from: Date, to: Date) {
  const started = process.hrtime.bigint();
  let n = 0;
  const size = Number.MAX_SAFE_INTEGER;
  for await (const page of bench.app
    .get(RecordsService)
    .scan(tenantId, { from, to }, { before: size, withText: false, pageSize: 1_000 })) {
    n += page.length;
  }
  return { records: n, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

/**
 * Requests a report, then builds it in a worker process of its own (no model, no HTTP), as the
 * report.build job runs: the process's peak resident memory is the build's, not the bench app's.
 */
async function buildReport(
  bench: BenchApp,
  worker: string,
  principal: ApplicationPrincipal,
  request: Parameters<ReportsService['request']>[1],
): Promise<{ seconds: number; peakMb: number; rows: [string, string][] }> {
  const view = await bench.app.get(ReportsService).request(principal, request);
  const built = await runWorker(bench, worker, principal.tenantId, view.id, request.kind);
  const report = await bench.app.get(ReportsRepository).findById(principal.tenantId, view.id);
  if (!report?.evidence || !report.pdf) throw new Error(`report ${view.id} was not completed`);
  const zipPath = join(bench.config.ARTIFACTS_DIR as string, report.evidence.key);
  const records = report.recordCount ?? 0;
  const keep = process.env.BENCH_KEEP_PACKAGES;
  if (keep) copyFileSync(zipPath, join(keep, `${request.kind}-${records}.zip`));
  const verified = await verifyAsAnAuditor(zipPath);
  const peakMb = built.peakBytes / 1024 ** 2;
  return {
    seconds: built.seconds,
    peakMb,
    rows: [
      ['records in the report', count(records)],
      [
        'build (worker process)',
        `${built.seconds.toFixed(1)} s, ${count(records / built.seconds)} records/s`,
      ],
      ['slowest steps', built.phases],
      [
        'peak resident memory (worker)',
        `${peakMb.toFixed(0)} MB (${(built.readyBytes / 1024 ** 2).toFixed(0)} MB once started, before the build)`,
      ],
      ['PDF', `${(report.pdf.bytes / 1e6).toFixed(2)} MB`],
      ['evidence package', `${(report.evidence.bytes / 1e6).toFixed(1)} MB`],
      [
        'audit-verify package (own process)',
        `${verified.seconds.toFixed(1)} s, peak ${(verified.peakBytes / 1024 ** 2).toFixed(0)} MB: ${verified.verdict}`,
      ],
    ],
  };
}

/**
 * `audit-verify package <zip>` as an auditor runs it: the compiled CLI in a process of its own,
 * its progress line on this terminal, its peak resident memory (VmHWM) written by a preload as
 * it exits.
 */
async function verifyAsAnAuditor(
  zipPath: string,
): Promise<{ seconds: number; peakBytes: number; verdict: string }> {
  const peakFile = join(tmpdir(), `bench-verify-peak-${process.pid}`);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['-r', PEAK_PRELOAD, VERIFIER_CLI, 'package', zipPath], {
    env: { ...process.env, BENCH_PEAK_FILE: peakFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakBytes = Number(readFileSync(peakFile, 'utf8'));
  rmSync(peakFile, { force: true });
  const failed = stdout.split('\n').filter((line) => line.startsWith('FAIL'));
  const verdict =
    status === 0
      ? 'all checks pass'
      : `FAILED (exit ${status}): ${failed.join('; ').slice(0, 300) || stdout.slice(-300)}`;
  return { seconds, peakBytes, verdict };
}

function runWorker(
  bench: BenchApp,
  worker: string,
  tenantId: string,
  reportId: string,
  label: string,
): Promise<{ seconds: number; peakBytes: number; readyBytes: number; phases: string }> {
  const child = spawn(
    process.execPath,
    [
      // The flags production workers run with (npm run start:worker, docker-compose.yml).
      ...WORKER_FLAGS,
      // e.g. BENCH_WORKER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the build
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      worker,
    ],
    {
      env: {
        ...process.env,
        DATABASE_URL: bench.config.DATABASE_URL,
        SIGNING_KEY_FILE: bench.config.SIGNING_KEY_FILE,
        SIGNING_KEY_PASSPHRASE: bench.config.SIGNING_KEY_PASSPHRASE,
        ARTIFACTS_DIR: bench.config.ARTIFACTS_DIR,
        // The records' text keys are wrapped by the tenant's key in this store: the same one.
        TEXT_KEY_DIR: bench.config.TEXT_KEY_DIR ?? join(bench.config.DATA_DIR, 'text-keys'),
        TENANT_ID: tenantId,
        REPORT_ID: reportId,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  let built: { seconds: number; peakBytes: number; readyBytes: number; phases: string } | undefined;
  const phases = new Map<string, number>();
  let phase = 'start-up';
  let readyRss = 0;
  let phaseStart = Date.now();
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const [word, a, ...rest] = line.split(' ');
    if (word === 'progress' || word === 'built' || word === 'ready') {
      // Time per step, the step named by its message without its counts.
      phases.set(phase, (phases.get(phase) ?? 0) + Date.now() - phaseStart);
      phase = word === 'progress' ? rest.join(' ').replace(/\d[\d,]*/g, 'N') : word;
      phaseStart = Date.now();
    }
    if (word === 'ready') readyRss = Number(rest[0]);
    if (word === 'progress') progress(`building ${label}`, Number(a), 100, rest.join(' '));
    if (word === 'built') {
      const slowest = [...phases]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 4)
        .map(([name, msSpent]) => `${name} ${(msSpent / 1000).toFixed(1)} s`)
        .join('; ');
      built = {
        seconds: Number(a),
        peakBytes: Number(rest[0]),
        readyBytes: readyRss,
        phases: slowest,
      };
    }
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      step('');
      if (code === 0 && built) resolve(built);
      else reject(new Error(`the report worker exited with ${code}: ${stderr}`));
    });
  });
}

/** Why a report was not built: the request's refusal (a 422 names its problems) or the build's. */
function failure(error: unknown): string {
  const why =
    error instanceof ValidationFailedError
      ? `refused at the request: ${error.fields.map((f) => `${f.field}: ${f.problems.join('; ')}`).join('; ')}`
      : (error as Error).message.split('\n')[0];
  return why.slice(0, 400);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
