import { cpus } from 'node:os';
import { OverheadTimes, overheadRatio } from './generation-overhead';
import { ProofTimes, RebuildTimes } from './large-log';
import { Breakdown } from './records-breakdown';
import { BASELINE_BATCH, CONCURRENCY, ThroughputResult } from './records-throughput';
import { count, median, met, ms, percentile, Row } from './stats';

export const TARGETS = {
  recordsPerSecond: 2_000,
  proofP50Ms: 5,
  leavesPerSecond: 200_000,
  overheadRatio: 1.3,
};

const seconds = (value: number) => `${(value / 1000).toFixed(1)} s`;

export function throughputRows(
  run: ThroughputResult,
  facts: { server: string; bodyBytes: number; model: string; perRound: number; warmup: number },
): Row[] {
  const rate = median(run.httpRates);
  const baseline = median(run.baselineRates);
  return [
    `1. POST /v1/records, ${CONCURRENCY} concurrent clients (real HTTP on 127.0.0.1, PostgreSQL ${facts.server})`,
    [
      'request',
      `${(facts.bodyBytes / 1024).toFixed(1)} KiB submitted record from one real generation of ${facts.model}; own Idempotency-Key each`,
    ],
    [
      'rounds',
      `${run.httpRates.length} × ${count(facts.perRound)} records after ${count(facts.warmup)} warm-up, interleaved with the baseline`,
    ],
    [
      'service, median of rounds',
      `${count(rate)} records/s   (rounds: ${run.httpRates.map(count).join(' / ')})`,
    ],
    [
      'baseline: raw INSERTs via pg',
      `${count(baseline)} records/s   (rounds: ${run.baselineRates.map(count).join(' / ')})`,
    ],
    [
      '  what the baseline writes',
      `the same 4 rows per record (log_entries, records, record_texts, record_text_keys), same sizes; multi-row INSERTs, ${BASELINE_BATCH} records per transaction, one connection, as table owner; no HTTP, validation, signing, hashing or encryption`,
    ],
    [
      'ratio service / baseline',
      `${(rate / baseline).toFixed(3)}×  (the baseline is ${(baseline / rate).toFixed(1)}× faster)`,
    ],
    [
      'latency p50 / p99',
      `${ms(percentile(run.latenciesMs, 50))} / ${ms(percentile(run.latenciesMs, 99))}  (${count(run.latenciesMs.length)} requests)`,
    ],
    ['failed requests', 'none (any answer but 201 aborts the run)'],
    [
      `target ≥ ${count(TARGETS.recordsPerSecond)} records/s`,
      met(rate >= TARGETS.recordsPerSecond),
    ],
  ];
}

export function proofRows(logSize: number, fillMs: number, proofs: ProofTimes): Row[] {
  const p50 = median(proofs.warmMs);
  return [
    `2. Inclusion proof in a ${count(logSize)}-leaf log (LogService.inclusionProof)`,
    [
      'the log',
      `synthetic entries inserted as table owner (server-side INSERT … SELECT, 100,000 per statement) in ${seconds(fillMs)}: each leaf hash is the real RFC 6962 leaf hash of a small JSON body, signatures are zero bytes (proofs use only leaf hashes)`,
    ],
    [
      'checkpoint (LogService.issueCheckpoint)',
      `${seconds(proofs.checkpointMs)} (includes loading all leaves into its tree)`,
    ],
    ['first proof, fresh LogService (tree load)', seconds(proofs.coldMs)],
    [
      `warm proof p50 / p99 (n = ${proofs.warmMs.length})`,
      `${ms(p50)} / ${ms(percentile(proofs.warmMs, 99))}  (random entries; each reads the entry and the latest checkpoint from PostgreSQL)`,
    ],
    [
      'proofs verified against the checkpoint root',
      `${proofs.verified}/${proofs.warmMs.length + 1}`,
    ],
    [`target p50 < ${TARGETS.proofP50Ms} ms`, met(p50 < TARGETS.proofP50Ms)],
  ];
}

export function verificationRows(
  rebuild: RebuildTimes,
  verify: { entries: number; ms: number; problem: string | null; bodyBytes: number },
): Row[] {
  const totalMs = rebuild.readMs + rebuild.hashMs;
  const rate = (rebuild.leaves * 1000) / totalMs;
  return [
    '3. Full-log verification',
    [
      'tree rebuilt from stored leaf hashes',
      `${count(rate)} leaves/s: ${count(rebuild.leaves)} leaves in ${seconds(totalMs)} (reading ${seconds(rebuild.readMs)} through LogRepository in pages of 50,000; hashing ${seconds(rebuild.hashMs)} = ${count((rebuild.leaves * 1000) / rebuild.hashMs)} leaves/s)`,
    ],
    ['root equals the signed checkpoint', rebuild.rootMatches ? 'yes' : 'NO'],
    [`target ≥ ${count(TARGETS.leavesPerSecond)} leaves/s`, met(rate >= TARGETS.leavesPerSecond)],
    [
      'LogService.verifyLog, real entries of part 1',
      `${count((verify.entries * 1000) / verify.ms)} entries/s: ${count(verify.entries)} signed entries in ${seconds(verify.ms)}, bodies of ${(verify.bodyBytes / 1024).toFixed(1)} KiB each parsed and re-hashed, columns checked, Ed25519 signature verified; ${verify.problem ?? 'no problem found'}`,
    ],
  ];
}

export function overheadRows(times: OverheadTimes, warmup: number): Row[] {
  const ratio = overheadRatio(times);
  return [
    `4. POST /v1/generations against the bare model (${times.tokens} tokens, ${times.httpMs.length} sequential pairs after ${warmup} warm-up)`,
    ['POST /v1/generations p50', ms(median(times.httpMs))],
    ['ModelRuntime.generate p50 (same request, in process)', ms(median(times.bareMs))],
    ['ratio (audit overhead)', `${ratio.toFixed(2)}×`],
    ['same text as the bare run', `${times.sameText}/${times.httpMs.length}`],
    [`target ≤ ${TARGETS.overheadRatio}×`, met(ratio <= TARGETS.overheadRatio)],
  ];
}

/**
 * What the machine's cores allow: the CPU every record costs on the service's path and on the
 * raw-INSERT baseline's, against the CPU a record may cost at the target rate. Clients, service
 * and PostgreSQL share the cores, so the sum bounds the rate whatever the concurrency.
 */
function cpuBudgetRows(b: Breakdown): Row[] {
  const cores = cpus().length;
  const budget = (cores * 1_000_000) / TARGETS.recordsPerSecond;
  const rows: Row[] = [
    [
      `CPU budget at ${count(TARGETS.recordsPerSecond)} records/s`,
      `${count(budget)} µs per record on ${cores} cores, for clients, service and PostgreSQL together`,
    ],
  ];
  if (b.measuredPostgresMicros === null) return rows;
  const service = b.measuredNodeMicros + b.measuredPostgresMicros + b.measuredClientMicros;
  rows.push([
    'service path, all CPU per record',
    `${count(service)} µs (${(service / budget).toFixed(1)}× the budget)  → at most ~${count((cores * 1_000_000) / service)} records/s with every core busy`,
  ]);
  if (b.baselineMicros.postgres !== null) {
    const raw = b.baselineMicros.client + b.baselineMicros.postgres;
    rows.push([
      'raw-INSERT baseline, all CPU per record',
      `${count(raw)} µs: client ${count(b.baselineMicros.client)} + PostgreSQL ${count(b.baselineMicros.postgres)} (${(raw / budget).toFixed(2)}× the budget)`,
    ]);
  }
  return rows;
}

export function breakdownRows(b: Breakdown): Row[] {
  const stageSum = b.stages.reduce((total, s) => total + s.micros, 0);
  const perCore = (micros: number) => count(1_000_000 / micros);
  return [
    'Where POST /v1/records spends its time',
    [
      'node CPU per record (timed rounds)',
      `${count(b.measuredNodeMicros)} µs  → one event loop caps at ~${perCore(b.measuredNodeMicros)} records/s`,
    ],
    [
      'PostgreSQL CPU per record',
      b.measuredPostgresMicros === null
        ? 'not measurable (server not on this machine)'
        : `${count(b.measuredPostgresMicros)} µs  (backends serving the bench database)`,
    ],
    [
      'HTTP clients CPU per record',
      `${count(b.measuredClientMicros)} µs  (the load generator's process, on the same cores)`,
    ],
    ...cpuBudgetRows(b),
    [
      'PostgreSQL transactions per record',
      `${b.transactionsPerRecord.service.toFixed(2)} on the service's path, ${b.transactionsPerRecord.baseline.toFixed(3)} on the baseline's`,
    ],
    ['event loop busy (median of rounds)', `${(b.eventLoop * 100).toFixed(0)}%`],
    [
      'node peak RSS',
      `${count(process.resourceUsage().maxRSS / 1024)} MiB  (this process: the app, the model, the baseline's client)`,
    ],
    [
      'group commit',
      `mean batch ${b.meanBatch.toFixed(1)} records; transaction p50 ${ms(b.transactionMs)}, of which canonicalise + hash + sign ${ms(b.prepareMs)} (under the log head's lock)`,
    ],
    `Where it goes: the server's main thread per record, sampled by V8 during an extra profiled round of ${count(b.profiled.records)} records`,
    ...b.profiled.microsByArea.map((entry): Row => [entry[0], `${count(entry[1])} µs`]),
    "Where it goes: µs per record by step, each run alone on the same payload (in-process steps: time of 400 runs; database steps: this process's CPU, and the wall time of one call)",
    ...b.stages.map((s): Row => [
      s.name,
      `${count(s.micros)} µs${s.wallMs === undefined ? '' : `  (${ms(s.wallMs)} wall)`}`,
    ]),
    ['sum of the steps', `${count(stageSum)} µs`],
    [
      'rest: measured node CPU − steps (HTTP, Nest, passport, pino, TypeORM + pg for the commit, GC, …)',
      `${count(b.measuredNodeMicros - stageSum)} µs`,
    ],
  ];
}
