import { createHash, randomUUID } from 'node:crypto';
import { ApplicationsService } from 'src/applications/applications.service';
import { leafHash } from 'src/evidence-format/merkle';
import { PoliciesRepository } from 'src/policies/policies.repository';
import { evaluatePolicy } from 'src/policies/policy-rules';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import {
  conceptDetections,
  conceptShares,
  recordChunk,
  recordDraft,
} from 'src/records/record-draft';
import { sealText } from 'src/records/record-text-cipher';
import { RecordsRepository } from 'src/records/records.repository';
import { submittedRecordInput, validateSubmittedRecord } from 'src/records/submitted-record';
import { KeyRing } from 'src/signing/key-ring.service';
import { BenchApp } from './bench-app';
import { profileDuring, timeByArea } from './cpu-profile';
import { CpuSpent } from './cpu-usage';
import { LoadGenerator } from './load-generator';
import { CONCURRENCY, ThroughputResult } from './records-throughput';
import { median, microsPerCall, step } from './stats';

const CPU_REPEATS = 400;
const QUERY_REPEATS = 200;

export interface Stage {
  name: string;
  /** Node CPU (µs) one record costs in this stage. */
  micros: number;
  /** Wall time (ms) of one call when run alone, for database round trips. */
  wallMs?: number;
}

export interface Breakdown {
  /** Main-thread ms per record by area, from a profiled extra round (not a timed one). */
  profiled: { records: number; microsByArea: [string, number][] };
  stages: Stage[];
  /** Node CPU per record over the timed HTTP rounds. */
  measuredNodeMicros: number;
  /** PostgreSQL backends' CPU per record over the timed rounds (null for a remote server). */
  measuredPostgresMicros: number | null;
  /** The HTTP clients' process CPU per record over the timed rounds. */
  measuredClientMicros: number;
  /** The raw-INSERT baseline's CPU per record: its client (this process) and PostgreSQL. */
  baselineMicros: { client: number; postgres: number | null };
  /** PostgreSQL transactions per record, on the service's path and on the baseline's. */
  transactionsPerRecord: { service: number; baseline: number };
  eventLoop: number;
  meanBatch: number;
  transactionMs: number;
  prepareMs: number;
}

/** In-process CPU of each step of POST /v1/records on the real payload, µs per record. */
async function cpuStages(bench: BenchApp, body: string): Promise<Stage[]> {
  const raw = Buffer.from(body, 'utf8');
  const parsed = JSON.parse(body) as unknown;
  const submitted = validateSubmittedRecord(parsed);
  const application = { id: randomUUID(), name: 'bench-app' };
  const stamp = {
    id: randomUUID(),
    tenant: randomUUID(),
    logIndex: 123_456,
    time: new Date().toISOString(),
  };
  const none = evaluatePolicy(null, [], []);
  const chunks = submitted.chunks.map(recordChunk);
  const draft = recordDraft(submittedRecordInput(submitted, application, chunks, none));
  const canonical = canonicalJson({ ...draft.content, ...stamp });
  const leaf = leafHash(Buffer.from(canonical, 'utf8'));
  const keys = bench.app.get(KeyRing);
  const started = performance.now();
  for (let i = 0; i < CPU_REPEATS; i++) await keys.sign(leaf);
  const signMicros = ((performance.now() - started) * 1000) / CPU_REPEATS;
  const n = CPU_REPEATS;
  return [
    {
      name: `JSON.parse of the ${(raw.length / 1024).toFixed(1)} KiB body`,
      micros: microsPerCall(n, () => JSON.parse(raw.toString('utf8'))),
    },
    {
      name: 'ajv schema + semantic validation',
      micros: microsPerCall(n, () => validateSubmittedRecord(parsed)),
    },
    {
      name: 'request digest (SHA-256 of the JSON as sent, as RecordCommitService does)',
      micros: microsPerCall(n, () =>
        createHash('sha256').update(JSON.stringify(submitted)).digest(),
      ),
    },
    {
      name: 'record body, commitments, policy, concept shares and detections',
      micros: microsPerCall(n, () => {
        const recordChunks = submitted.chunks.map(recordChunk);
        evaluatePolicy(null, recordChunks, submitted.steering);
        const made = recordDraft(submittedRecordInput(submitted, application, recordChunks, none));
        conceptShares(made.content.chunks);
        conceptDetections(made.content.chunks);
        return made;
      }),
    },
    {
      name: 'text sealing (AES-256-GCM, fresh key)',
      micros: microsPerCall(n, () => sealText(stamp.id, draft.text)),
    },
    {
      name: `canonical JSON of the ${(canonical.length / 1024).toFixed(1)} KiB body`,
      micros: microsPerCall(n, () => canonicalJson({ ...draft.content, ...stamp })),
    },
    {
      name: 'leaf hash (SHA-256)',
      micros: microsPerCall(n, () => leafHash(Buffer.from(canonical, 'utf8'))),
    },
    { name: 'Ed25519 signature (KeyRing.sign)', micros: signMicros },
  ];
}

/** One database step run alone, QUERY_REPEATS times: its wall time and this process's CPU. */
async function queryStage(name: string, work: (i: number) => Promise<unknown>): Promise<Stage> {
  for (let i = 0; i < 20; i++) await work(i);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < QUERY_REPEATS; i++) await work(i);
  const wallMs = (performance.now() - started) / QUERY_REPEATS;
  const used = process.cpuUsage(cpu);
  return { name, micros: (used.user + used.system) / QUERY_REPEATS, wallMs };
}

/** The four look-ups every POST /v1/records makes before its entry joins a group commit. */
async function queryStages(
  bench: BenchApp,
  submitter: { tenantId: string; applicationId: string; apiKey: string },
): Promise<Stage[]> {
  const { tenantId, applicationId, apiKey } = submitter;
  const applications = bench.app.get(ApplicationsService);
  const records = bench.app.get(RecordsRepository);
  const policies = bench.app.get(PoliciesRepository);
  return [
    await queryStage('API key look-up (auth_find_api_key)', () =>
      applications.authenticate(apiKey),
    ),
    await queryStage('idempotency look-up (transaction)', (i) =>
      records.findByIdempotencyKey(tenantId, applicationId, `never-used-${i}`),
    ),
    await queryStage('application look-up (transaction; the service reuses it for 1 s)', () =>
      applications.findApplication(tenantId, applicationId),
    ),
    await queryStage('policy in force (transaction; the service reuses it for 1 s)', () =>
      policies.findCurrent(tenantId, applicationId),
    ),
  ];
}

/**
 * One more round of the same load, not timed, under the V8 sampling profiler: where the server's
 * main thread spent its time, per record.
 */
async function profiledRound(
  bench: BenchApp,
  load: LoadGenerator,
  job: { apiKey: string; body: string; count: number },
): Promise<Breakdown['profiled']> {
  const { result, profile } = await profileDuring(() =>
    load.run(
      {
        port: bench.port,
        path: '/v1/records',
        apiKey: job.apiKey,
        body: job.body,
        count: job.count,
        concurrency: CONCURRENCY,
        keyPrefix: 'profiled',
        expect: 201,
      },
      'profiled round     ',
    ),
  );
  if (result.failures > 0) throw new Error(`profiled round: ${result.firstFailure}`);
  const microsByArea = [...timeByArea(profile)]
    .map(([area, ms]): [string, number] => [area, (ms * 1000) / job.count])
    .sort((a, b) => b[1] - a[1]);
  return { records: job.count, microsByArea };
}

/** Where the time of POST /v1/records goes: printed when the throughput target is missed. */
export async function profileRecords(
  args: {
    bench: BenchApp;
    load: LoadGenerator;
    body: string;
    submitter: { tenantId: string; applicationId: string; apiKey: string };
    /** Requests in the profiled round. */
    profiledRequests: number;
  },
  run: ThroughputResult,
): Promise<Breakdown> {
  step('profiling POST /v1/records');
  const profiled = await profiledRound(args.bench, args.load, {
    apiKey: args.submitter.apiKey,
    body: args.body,
    count: args.profiledRequests,
  });
  const stages: Stage[] = [
    ...(await cpuStages(args.bench, args.body)),
    ...(await queryStages(args.bench, args.submitter)),
  ];
  const records = Math.max(1, run.latenciesMs.length);
  const sum = (spent: CpuSpent[], f: (c: CpuSpent) => number) =>
    spent.reduce((total, c) => total + f(c), 0);
  const postgresOf = (spent: CpuSpent[]) =>
    spent.every((c) => c.postgresMs !== null) ? sum(spent, (c) => c.postgresMs ?? 0) : null;
  const postgres = postgresOf(run.cpu);
  // The baseline writes as many records per round as the service is sent.
  const baselineRecords = Math.max(1, (records / run.cpu.length) * run.baselineCpu.length);
  const baselinePostgres = postgresOf(run.baselineCpu);
  const sizes = run.commits.sizes;
  return {
    profiled,
    stages,
    measuredNodeMicros: (sum(run.cpu, (c) => c.nodeMs) * 1000) / records,
    measuredPostgresMicros: postgres === null ? null : (postgres * 1000) / records,
    measuredClientMicros: (sum(run.cpu, (c) => c.othersMs) * 1000) / records,
    baselineMicros: {
      client: (sum(run.baselineCpu, (c) => c.nodeMs) * 1000) / baselineRecords,
      postgres: baselinePostgres === null ? null : (baselinePostgres * 1000) / baselineRecords,
    },
    transactionsPerRecord: {
      service: sum(run.cpu, (c) => c.transactions) / records,
      baseline: sum(run.baselineCpu, (c) => c.transactions) / baselineRecords,
    },
    eventLoop: median(run.cpu.map((c) => c.eventLoop)),
    meanBatch: sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length),
    transactionMs: median(run.commits.transactionMs),
    prepareMs: median(run.commits.prepareMs),
  };
}
