import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  allPassed,
  describeEntry,
  verifyCheckpointNote,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyPackage,
  verifyRecord,
  type Check,
} from 'src/verifier/verify';
import { parseCheckpoint } from 'src/evidence-format/checkpoint';
import { duplicateMemberName } from 'src/verifier/encoding';
import type { PackageProgress } from 'src/verifier/package';

/**
 * audit-verify: checks records, checkpoints and proofs of the audit log offline, with no access to
 * the service. Exit status 0 when every check passes, 1 when any fails, 2 when it was called
 * wrongly (unknown subcommand or option, a file that cannot be read, JSON that does not parse).
 */

const USAGE = `Usage:
  audit-verify record      --entry entry.json --keys jwks.json
  audit-verify checkpoint  --checkpoint cp.txt --keys jwks.json [--origin origin]
  audit-verify inclusion   --entry entry.json --proof proof.json --checkpoint cp.txt --keys jwks.json
  audit-verify consistency --proof consistency.json --old old.txt --new new.txt --keys jwks.json [--origin origin]
  audit-verify package     evidence.zip [--keys trusted-jwks.json] [--jobs N]

Prints one line per check ("ok   <check>: ..." or "FAIL <check>: <why>").
package checks a whole evidence package; without --keys it uses the package's own keys and prints
their thumbprints, to compare with the ones the service publishes. A large package's lines are
checked on N threads (--jobs; default one per core, at most 8; 1 checks them in the main thread).
Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
See docs/VERIFYING.md for the file formats and how to check a signature with openssl alone.
`;

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Where `package` shows how far it is: a terminal, never a file or a pipe. */
  progress?: ProgressDisplay;
}

interface ProgressDisplay {
  update: PackageProgress;
  /** Erases the display before the results are printed. */
  end: () => void;
}

const STDIO: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stderr.isTTY ? terminalProgress(process.stderr) : undefined,
};

/**
 * One line on a terminal, redrawn at most every `everyMs` and at each step's start (a step not
 * counted in lines) or end, erased at the end: `audit-verify: records.jsonl 41,000 of 100,000
 * (41%)`.
 */
export function terminalProgress(
  stream: { write: (text: string) => unknown },
  now: () => number = Date.now,
  everyMs = 100,
): ProgressDisplay {
  let last = -Infinity;
  let shown = false;
  return {
    update(step, done, total) {
      const t = now();
      if (t - last < everyMs && done < total) return;
      last = t;
      shown = true;
      const counted =
        total > 0
          ? ` ${done.toLocaleString('en')} of ${total.toLocaleString('en')} (${Math.floor((100 * done) / total)}%)`
          : '';
      stream.write(`\r\x1b[Kaudit-verify: ${step}${counted}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

/** Thrown for a wrong call: reported with its message (and the usage) and exit status 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

type Options = Partial<
  Record<
    'entry' | 'keys' | 'checkpoint' | 'proof' | 'old' | 'new' | 'origin' | 'zip' | 'jobs',
    string
  >
>;

interface Subcommand {
  required: (keyof Options)[];
  optional: (keyof Options)[];
  /** The one positional argument, when the subcommand takes one. */
  positional?: keyof Options;
}

const SUBCOMMANDS: Record<string, Subcommand> = {
  record: { required: ['entry', 'keys'], optional: [] },
  checkpoint: { required: ['checkpoint', 'keys'], optional: ['origin'] },
  inclusion: { required: ['entry', 'proof', 'checkpoint', 'keys'], optional: [] },
  consistency: { required: ['proof', 'old', 'new', 'keys'], optional: ['origin'] },
  package: { required: ['zip'], optional: ['keys', 'jobs'], positional: 'zip' },
};

/** Runs the command line `argv` (without node and the script) and returns the exit status. */
export async function main(argv: readonly string[], io: Output = STDIO): Promise<number> {
  try {
    if (argv.length === 0) throw new UsageError('no subcommand given');
    if (['--help', '-h', 'help'].includes(argv[0])) {
      io.out(USAGE);
      return 0;
    }
    const [command, ...rest] = argv;
    if (!Object.hasOwn(SUBCOMMANDS, command)) {
      throw new UsageError(`unknown subcommand ${JSON.stringify(command)}`);
    }
    const spec = SUBCOMMANDS[command];
    const options = readOptions(command, rest, spec);
    if (options === 'help') {
      io.out(USAGE);
      return 0;
    }
    for (const name of spec.required) {
      if (options[name] === undefined) {
        throw new UsageError(
          `${command} needs ${name === spec.positional ? `a ${name} file` : `--${name}`}`,
        );
      }
    }
    let result: { header: string; checks: Check[] };
    try {
      result = await run(command, options, io.progress?.update);
    } finally {
      io.progress?.end();
    }
    return report(result.header, result.checks, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.showUsage ? `\n${USAGE}` : 'Run audit-verify --help for usage.\n';
      io.err(`audit-verify: ${error.message}\n${help}`);
      return 2;
    }
    // The checks never throw by design; if something still does, say so without a stack trace.
    const why = error instanceof Error ? error.message : String(error);
    io.err(`audit-verify: verification could not be completed: ${why}\n`);
    return 1;
  }
}

function readOptions(command: string, args: string[], spec: Subcommand): Options | 'help' {
  const named = [...spec.required, ...spec.optional].filter((name) => name !== spec.positional);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    const options = Object.fromEntries(
      [...named, 'help'].map((name) => [name, { type: name === 'help' ? 'boolean' : 'string' }]),
    ) as Record<string, { type: 'string' | 'boolean' }>;
    const allowPositionals = spec.positional !== undefined;
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals }));
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (values.help === true) return 'help';
  if (positionals.length > 1) {
    throw new UsageError(`${command} takes one ${spec.positional} file, not ${positionals.length}`);
  }
  const options: Options = {};
  for (const name of named) {
    const value = values[name];
    if (typeof value === 'string') options[name] = value;
  }
  if (spec.positional !== undefined && positionals.length === 1) {
    options[spec.positional] = positionals[0];
  }
  return options;
}

async function run(
  command: string,
  o: Options,
  progress?: PackageProgress,
): Promise<{ header: string; checks: Check[] }> {
  switch (command) {
    case 'record': {
      const entry = readJson(o, 'entry');
      return {
        header: `record ${describeEntry(entry)}`,
        checks: verifyRecord(entry, readJson(o, 'keys')),
      };
    }
    case 'checkpoint': {
      const note = readFile(o, 'checkpoint');
      const checks = verifyCheckpointNote(note, readJson(o, 'keys'), o.origin);
      return { header: `checkpoint ${describeCheckpoint(note)}`, checks };
    }
    case 'inclusion': {
      const entry = readJson(o, 'entry');
      const proof = readJson(o, 'proof');
      const note = readFile(o, 'checkpoint');
      const checks = verifyInclusionProof(entry, proof, note, readJson(o, 'keys'));
      return {
        header: `inclusion of record ${describeEntry(entry)} in checkpoint ${describeCheckpoint(note)}`,
        checks,
      };
    }
    case 'consistency': {
      const proof = readJson(o, 'proof');
      const [oldNote, newNote] = [readFile(o, 'old'), readFile(o, 'new')];
      const checks = verifyConsistencyProof(proof, oldNote, newNote, readJson(o, 'keys'), o.origin);
      const header = `consistency of checkpoint ${describeCheckpoint(oldNote)} with ${describeCheckpoint(newNote)}`;
      return { header, checks };
    }
    case 'package': {
      // Read where it lies, a few mebibytes at a time: a package can be gigabytes inflated.
      const zip = readablePath(o, 'zip');
      const trusted = o.keys === undefined ? undefined : readJson(o, 'keys');
      const checks = await verifyPackage(zip, trusted, progress, { jobs: jobsOf(o) });
      return { header: `package ${basename(o.zip!)}`, checks };
    }
    default:
      throw new UsageError(`unknown subcommand ${JSON.stringify(command)}`);
  }
}

function report(header: string, checks: Check[], io: Output): number {
  io.out(`${header}\n`);
  for (const check of checks) {
    const detail = check.detail === '' ? '' : `: ${check.detail}`;
    io.out(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${detail}\n`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  if (allPassed(checks)) {
    io.out(`verified: all ${checks.length} checks passed for ${header}\n`);
    return 0;
  }
  io.out(`FAILED: ${failed} of ${checks.length} checks failed for ${header}\n`);
  return 1;
}

function readFile(options: Options, name: keyof Options): Buffer {
  return withReadError(options, name, (path) => readFileSync(path));
}

/** The option's path, once it is known to name a file that can be opened for reading. */
function readablePath(options: Options, name: keyof Options): string {
  return withReadError(options, name, (path) => {
    const fd = openSync(path, 'r');
    try {
      if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    } finally {
      closeSync(fd);
    }
    return path;
  });
}

function withReadError<T>(options: Options, name: keyof Options, read: (path: string) => T): T {
  const path = options[name]!;
  try {
    return read(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    const label = name === 'zip' ? 'the package' : `--${name}`;
    throw new UsageError(`cannot read ${label} ${path}: ${why}`, false);
  }
}

function readJson(options: Options, name: keyof Options): unknown {
  const bytes = readFile(options, name);
  const file = basename(options[name]!);
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new UsageError(`--${name} ${file} is not valid JSON: ${why}`, false);
  }
  const duplicate = duplicateMemberName(text);
  if (duplicate !== null) {
    const why = `the member name ${JSON.stringify(duplicate)} appears twice in one object`;
    throw new UsageError(`--${name} ${file} is not valid I-JSON: ${why}`, false);
  }
  return value;
}

/** --jobs: how many threads check the lines; one per core unless told, at most 8 (memory). */
function jobsOf(options: Options): number {
  if (options.jobs === undefined) return Math.min(availableParallelism(), 8);
  const jobs = Number(options.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) {
    throw new UsageError(`--jobs must be a whole number from 1 to 256, not ${options.jobs}`);
  }
  return jobs;
}

/** `origin=… size=…` for the header, or a note that the file is not a checkpoint. */
function describeCheckpoint(note: Buffer): string {
  try {
    const { origin, size } = parseCheckpoint(note);
    return `origin=${origin} size=${size}`;
  } catch {
    return '(unparseable)';
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
