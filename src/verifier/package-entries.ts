import type { Checkpoint } from 'src/evidence-format/checkpoint';
import type { PackageManifest } from 'src/evidence-format/evidence-package';
import { fail, isObject, notChecked, pass, type Check } from 'src/verifier/checks';
import { describeEntry, verifyEntry, type EntryResult } from 'src/verifier/entry';
import type { KeySet } from 'src/verifier/key-set';
import { JsonLines, parseJson, show } from 'src/verifier/package-manifest';
import type { PackageProgress } from 'src/verifier/package';
import { inclusionChecks } from 'src/verifier/proofs';

/**
 * The package's signed entries (records.jsonl, entries.jsonl), their proofs (proofs.jsonl) and
 * report.json's list of records, each checked line by line with the checks of `audit-verify
 * record` and `inclusion`, and reported as one summary per file naming the first failures.
 */

/**
 * One line of records.jsonl or entries.jsonl, as read and verified: only what the later checks
 * need (a package can hold gigabytes of entries; their bodies are not kept).
 */
export interface EntryLine {
  /** `records.jsonl:3`, for messages. */
  where: string;
  /** `id=… logIndex=… tenant=…` of the entry. */
  described: string;
  /** Null when the line is not canonical JSON; `unreadable` says why. */
  result: EntryResult | null;
  unreadable?: string;
}

const FILES = {
  records: { file: 'records.jsonl', count: 'recordCount', countCheck: 'record count' },
  entries: { file: 'entries.jsonl', count: 'entryCount', countCheck: 'entry count' },
} as const;

/** One line verified on its own, on any thread: the line as read, and its failed checks. */
export interface CheckedLine {
  line: EntryLine;
  failed: string[];
}

/**
 * Verifies the lines of `file` as they come, and gives them back in order: in this thread
 * (`checkLinesHere`) or spread over worker threads (src/verifier/line-pool.ts).
 */
export type LineChecker = (
  file: string,
  lines: AsyncIterable<Buffer>,
) => AsyncIterable<CheckedLine>;

export function checkLinesHere(keySet: KeySet): LineChecker {
  return async function* (file, lines) {
    let number = 0;
    for await (const text of lines) yield checkLine(`${file}:${++number}`, text, keySet);
  };
}

/** Everything about a line that does not depend on the lines before it. */
export function checkLine(where: string, text: Buffer, keySet: KeySet): CheckedLine {
  const line = readEntryLine(where, text, keySet);
  const failed = line.result
    ? line.result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
    : [];
  if (line.result) line.result = { ...line.result, checks: [] };
  return { line, failed };
}

/** `record count` (or `entry count`) and `records` (or `entries`). */
export async function entryFileChecks(
  chunks: AsyncIterable<Buffer> | undefined,
  kind: keyof typeof FILES,
  manifest: PackageManifest,
  checker: LineChecker,
  progress?: PackageProgress,
): Promise<{ checks: Check[]; lines: EntryLine[] }> {
  const { file, count, countCheck } = FILES[kind];
  const unusable = (why: string) => ({
    checks: [fail(countCheck, why), notChecked(kind, why)],
    lines: [],
  });
  if (!chunks) return unusable(`${file} is missing`);
  const expected = manifest.report[count];
  const lines: EntryLine[] = [];
  const problems: string[] = [];
  let previousIndex = -1;
  const texts = new JsonLines(chunks);
  for await (const { line, failed } of checker(file, texts)) {
    progress?.(file, lines.length, Math.max(expected, lines.length));
    lines.push(line);
    const facts = line.result?.facts;
    const extra: string[] = [];
    if (facts && facts.tenant !== manifest.tenant)
      extra.push(`tenant ${facts.tenant} is not the package's`);
    if (facts && (facts.kind === 'record') !== (kind === 'records')) {
      extra.push(`a ${facts.kind} entry does not belong in ${file}`);
    }
    if (facts && facts.logIndex <= previousIndex)
      extra.push(`logIndex ${facts.logIndex} is out of log order`);
    previousIndex = facts?.logIndex ?? previousIndex;
    const all = line.result ? [...failed, ...extra] : [line.unreadable ?? 'unreadable'];
    if (all.length > 0) problems.push(`${line.where} (${line.described}): ${all.join(', ')}`);
  }
  if (texts.unterminated) return unusable(`${file}: ${UNTERMINATED}`);
  progress?.(file, lines.length, lines.length);
  const counted =
    lines.length === expected
      ? pass(countCheck, `${lines.length} lines, as report.${count} states`)
      : fail(
          countCheck,
          `${file} has ${lines.length} lines, the manifest's report.${count} is ${expected}: the package is truncated or padded`,
        );
  const summary =
    problems.length === 0
      ? pass(
          kind,
          `${lines.length} of ${lines.length} verified: leaf hash, signature, key window, tenant, log order`,
        )
      : fail(kind, `${problems.length} of ${lines.length} failed: ${firstFew(problems)}`);
  return { checks: [counted, summary], lines };
}

const UNTERMINATED = 'the last line does not end with a newline';

function readEntryLine(where: string, text: Buffer, keySet: KeySet): EntryLine {
  const members = new Map<string, readonly [number, number]>();
  const parsed = parseJson(text, true, members);
  if (typeof parsed === 'string') {
    // Named by what it says when it is JSON at all, so the auditor can find it; never verified.
    return {
      where,
      described: describeEntry(lenient(text)),
      result: null,
      unreadable: `the line is ${parsed}`,
    };
  }
  // The line is canonical, so its body member is the body's canonical text: hash it as it is.
  const body = members.get('body');
  const result = verifyEntry(parsed.value, keySet, body && parsed.text.slice(body[0], body[1]));
  // The facts are the body's own object: copy the five fields so the body can be collected.
  const facts = result.facts && {
    id: result.facts.id,
    kind: result.facts.kind,
    tenant: result.facts.tenant,
    logIndex: result.facts.logIndex,
    time: result.facts.time,
  };
  return { where, described: describeEntry(parsed.value), result: { ...result, facts } };
}

function lenient(text: Buffer): unknown {
  try {
    return JSON.parse(text.toString('utf8'));
  } catch {
    return null;
  }
}

/** `proofs`: one inclusion proof per entry line, in order, each verified against the checkpoint. */
export async function proofsCheck(
  chunks: AsyncIterable<Buffer> | undefined,
  lines: readonly EntryLine[],
  checkpoint: Checkpoint | null,
  progress?: PackageProgress,
): Promise<Check> {
  if (!chunks) return fail('proofs', 'proofs.jsonl is missing');
  // Without a checkpoint the proofs lead nowhere; the archive still reads the file, for its hash.
  if (!checkpoint) return notChecked('proofs', 'the checkpoint is unusable');
  const problems: string[] = [];
  const texts = new JsonLines(chunks);
  let count = 0;
  for await (const text of texts) {
    const i = count++;
    if (i >= lines.length) continue;
    progress?.('proofs.jsonl', i, lines.length);
    const problem = proofProblem(text, lines[i], checkpoint);
    if (problem !== null) problems.push(`proofs.jsonl:${i + 1} for ${lines[i].where}: ${problem}`);
  }
  if (texts.unterminated) return fail('proofs', `proofs.jsonl: ${UNTERMINATED}`);
  progress?.('proofs.jsonl', Math.min(count, lines.length), lines.length);
  if (count !== lines.length) {
    problems.unshift(`proofs.jsonl has ${count} lines for ${lines.length} entries`);
  }
  if (problems.length > 0) {
    return fail('proofs', `${problems.length} problem(s): ${firstFew(problems)}`);
  }
  const detail = `${count} of ${count} inclusion proofs lead to the checkpoint's root (size ${checkpoint.size})`;
  return pass('proofs', detail);
}

function proofProblem(text: Buffer, line: EntryLine, checkpoint: Checkpoint): string | null {
  const parsed = parseJson(text, true);
  if (typeof parsed === 'string') return `the line is ${parsed}`;
  if (!line.result) return 'its entry is unreadable';
  const proof = parsed.value;
  const id = line.result.facts?.id;
  if (!isObject(proof) || proof.entryId !== id) {
    return `the proof is for entry ${show(isObject(proof) ? proof.entryId : undefined)}, not ${show(id)}`;
  }
  const failed = inclusionChecks(line.result, proof, checkpoint).filter((c) => !c.ok);
  return failed.length === 0 ? null : failed.map((c) => `${c.name}: ${c.detail}`).join(', ');
}

/** `report records`: report.json names exactly the records of records.jsonl, in order. */
export function reportRecordsCheck(bytes: Buffer | undefined, lines: readonly EntryLine[]): Check {
  const parsed = bytes ? parseJson(bytes, true) : 'missing';
  if (typeof parsed === 'string') return fail('report records', `report.json is ${parsed}`);
  const records = isObject(parsed.value) ? parsed.value.records : undefined;
  if (!Array.isArray(records)) return fail('report records', 'report.json has no records array');
  const listed: unknown[] = records;
  const problems: string[] = [];
  if (listed.length !== lines.length) {
    problems.push(
      `report.json lists ${listed.length} records, records.jsonl holds ${lines.length}`,
    );
  }
  for (let i = 0; i < Math.min(listed.length, lines.length); i++) {
    const item = listed[i];
    const facts = lines[i].result?.facts;
    if (!facts) {
      problems.push(`records[${i}] is ${show(item)}, ${lines[i].where} is unreadable`);
    } else if (!isObject(item) || item.id !== facts.id || item.logIndex !== facts.logIndex) {
      problems.push(`records[${i}] is ${show(item)}, ${lines[i].where} is ${lines[i].described}`);
    }
  }
  return problems.length === 0
    ? pass(
        'report records',
        `report.json names the ${lines.length} records of records.jsonl, in order`,
      )
    : fail('report records', firstFew(problems));
}

/** The first few problems, and how many more: enough to find them, short enough to read. */
export function firstFew(problems: readonly string[], shown = 3): string {
  const more = problems.length - shown;
  return problems.slice(0, shown).join('; ') + (more > 0 ? `; and ${more} more` : '');
}
