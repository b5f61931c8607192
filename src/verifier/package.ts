import { createHash, createPublicKey } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { ed25519PublicKey, verifyEd25519, type Checkpoint } from 'src/evidence-format/checkpoint';
import {
  MAX_PACKAGE_BYTES,
  PACKAGE_FILES,
  REQUIRED_PACKAGE_FILES,
  keyPemPath,
  sha256SumsText,
  type PackageManifest,
} from 'src/evidence-format/evidence-package';
import { fail, isObject, notChecked, pass, type Check } from 'src/verifier/checks';
import {
  keySetCheck,
  keyWindowCheck,
  parseKeySet,
  type KeySet,
  type VerifierKey,
} from 'src/verifier/key-set';
import { manifestProblems, parseJson } from 'src/verifier/package-manifest';
import { LinePool } from 'src/verifier/line-pool';
import {
  checkLinesHere,
  entryFileChecks,
  firstFew,
  proofsCheck,
  reportRecordsCheck,
} from 'src/verifier/package-entries';
import { checkpointChecks, consistencyChecks } from 'src/verifier/proofs';
import {
  bufferSource,
  entryChunks,
  fileSource,
  listZip,
  readEntry,
  ZipFormatError,
  type ZipListing,
  type ZipSource,
} from 'src/verifier/zip';

/**
 * `audit-verify package`: an evidence package (src/evidence-format/evidence-package.ts) checked
 * as a whole. The manifest's signature binds every file by its SHA-256; the records, proofs and
 * checkpoint are then checked as `record`, `inclusion` and `consistency` check them one by one,
 * and summarised per kind, so a period audit of 100k records prints a page, not 100k lines.
 */

/** The files read whole (all but the three .jsonl files), by name. */
type Files = Map<string, Buffer>;

/** A file's size and SHA-256 (hex), as read from the archive. */
interface FileDigest {
  bytes: number;
  sha256: string;
}

/**
 * Told as the package's long steps advance: the step (a file's name while its lines are checked),
 * lines done and lines in all (0 of 0 for a step not counted in lines). A period audit of 100k
 * records takes minutes to check.
 */
export type PackageProgress = (step: string, done: number, total: number) => void;

/** The files checked line by line as they are inflated, never held whole. */
const LINE_FILES: ReadonlySet<string> = new Set([
  PACKAGE_FILES.records,
  PACKAGE_FILES.entries,
  PACKAGE_FILES.proofs,
]);

/** How the lines are spread over threads. */
export interface PackageThreads {
  /** Threads that verify lines: 1 (the default) verifies them in this thread, more in workers. */
  jobs?: number;
  /** Workers only for a package whose records and entries inflate to at least this many bytes. */
  parallelFromBytes?: number;
  /** At most this many lines go to a worker at a time (tests make it small). */
  batchLines?: number;
}

/** Below this, starting workers costs more than they save. */
const PARALLEL_FROM_BYTES = 16 * 1024 ** 2;

/** `audit-verify package` on a file: read where it lies, a few mebibytes at a time. */
export async function verifyPackageFile(
  path: string,
  trustedJwks?: unknown,
  progress?: PackageProgress,
  threads?: PackageThreads,
): Promise<Check[]> {
  const fd = openSync(path, 'r');
  try {
    return await verifyPackageSource(fileSource(fd), trustedJwks, progress, threads);
  } finally {
    closeSync(fd);
  }
}

/** `audit-verify package` on a package in memory. */
export function verifyPackageZip(
  zipBytes: Buffer,
  trustedJwks?: unknown,
  progress?: PackageProgress,
  threads?: PackageThreads,
): Promise<Check[]> {
  return verifyPackageSource(bufferSource(zipBytes), trustedJwks, progress, threads);
}

export async function verifyPackageSource(
  source: ZipSource,
  trustedJwks?: unknown,
  progress?: PackageProgress,
  threads: PackageThreads = {},
): Promise<Check[]> {
  progress?.('reading the archive', 0, 0);
  try {
    return await checkArchive(new PackageArchive(source), trustedJwks, progress, threads);
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    return [fail('archive', error.message), notChecked('package', 'the archive cannot be read')];
  }
}

/**
 * The archive's entries, each read once: the small files whole, the .jsonl files as lines while
 * their chunks are hashed. An entry whose CRC-32 or size is wrong throws a ZipFormatError when
 * it is read, at the latest in `digests()`, which reads whatever no check read to its end.
 */
class PackageArchive {
  private readonly listing: ZipListing[];
  readonly files: Files = new Map();
  private readonly hashed = new Map<string, FileDigest>();

  constructor(private readonly source: ZipSource) {
    this.listing = listZip(source, MAX_PACKAGE_BYTES);
    for (const entry of this.listing) {
      if (LINE_FILES.has(entry.name)) continue;
      const data = readEntry(source, entry);
      this.files.set(entry.name, data);
      this.hashed.set(entry.name, { bytes: data.length, sha256: sha256(data) });
    }
  }

  get names(): string[] {
    return this.listing.map((e) => e.name);
  }

  get totalBytes(): number {
    return this.listing.reduce((sum, e) => sum + e.size, 0);
  }

  /** The inflated size of the named files that are there. */
  bytesOf(names: readonly string[]): number {
    return this.listing.filter((e) => names.includes(e.name)).reduce((sum, e) => sum + e.size, 0);
  }

  /** The chunks of a .jsonl file, hashed as they pass, or undefined when it is not there. */
  chunks(name: string): AsyncIterable<Buffer> | undefined {
    const entry = this.listing.find((e) => e.name === name);
    return entry && this.hashing(entry);
  }

  /** Every file's size and SHA-256, reading in full whatever was not read to its end. */
  async digests(): Promise<ReadonlyMap<string, FileDigest>> {
    for (const entry of this.listing) {
      if (this.hashed.has(entry.name)) continue;
      for await (const chunk of this.hashing(entry)) void chunk;
    }
    return this.hashed;
  }

  private async *hashing(entry: ZipListing): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of entryChunks(this.source, entry)) {
      hash.update(chunk);
      bytes += chunk.length;
      yield chunk;
    }
    // Only here have the size and CRC-32 been checked: the entry is what the archive says.
    this.hashed.set(entry.name, { bytes, sha256: hash.digest('hex') });
  }
}

async function checkArchive(
  archive: PackageArchive,
  trustedJwks: unknown,
  progress: PackageProgress | undefined,
  threads: PackageThreads,
): Promise<Check[]> {
  const { files, names } = archive;
  const checks = [
    pass('archive', `${names.length} files, ${archive.totalBytes} bytes, each CRC-32 verified`),
  ];
  const { check: format, manifest, value } = readManifest(files);
  const keys = keyChecks(files, trustedJwks);
  checks.push(format, ...keys.checks, ...manifestSignatureChecks(files, value, keys.keySet));
  if (!manifest) {
    await archive.digests();
    return [...checks, notChecked('package contents', 'the manifest is unusable')];
  }

  const { checks: checkpoint, checkpoint: cp } = checkpointAgainstManifest(
    files,
    manifest,
    keys.keySet,
  );
  const lineBytes = archive.bytesOf([PACKAGE_FILES.records, PACKAGE_FILES.entries]);
  const jobs = threads.jobs ?? 1;
  const pool =
    jobs > 1 && lineBytes >= (threads.parallelFromBytes ?? PARALLEL_FROM_BYTES)
      ? new LinePool(jobs, keys.keySource, threads.batchLines)
      : null;
  const checker = pool?.checker ?? checkLinesHere(keys.keySet);
  let records: Awaited<ReturnType<typeof entryFileChecks>>;
  let entries: typeof records;
  try {
    records = await entryFileChecks(
      archive.chunks(PACKAGE_FILES.records),
      'records',
      manifest,
      checker,
      progress,
    );
    entries = await entryFileChecks(
      archive.chunks(PACKAGE_FILES.entries),
      'entries',
      manifest,
      checker,
      progress,
    );
  } finally {
    await pool?.close();
  }
  const proofs = await proofsCheck(
    archive.chunks(PACKAGE_FILES.proofs),
    [...records.lines, ...entries.lines],
    cp,
    progress,
  );
  progress?.("checking every file's SHA-256", 0, 0);
  const digests = await archive.digests();
  checks.push(filesCheck(digests, manifest), sumsCheck(files, manifest));
  checks.push(keyFilesCheck(files, names, keys.packageKeys));
  checks.push(...checkpoint, ...records.checks, ...entries.checks, proofs);
  checks.push(...previousCheckpointChecks(files, manifest, keys.keySet, cp));
  checks.push(reportRecordsCheck(files.get(PACKAGE_FILES.reportJson), records.lines));
  return checks;
}

function readManifest(files: Files): {
  check: Check;
  manifest: PackageManifest | null;
  value: unknown;
} {
  const bytes = files.get(PACKAGE_FILES.manifest);
  if (!bytes)
    return { check: fail('manifest format', 'no manifest.json'), manifest: null, value: null };
  const parsed = parseJson(bytes, true);
  if (typeof parsed === 'string') {
    return {
      check: fail('manifest format', `manifest.json is ${parsed}`),
      manifest: null,
      value: null,
    };
  }
  const problems = manifestProblems(parsed.value);
  if (problems.length > 0) {
    const check = fail('manifest format', problems.slice(0, 5).join('; '));
    return { check, manifest: null, value: parsed.value };
  }
  const m = parsed.value as PackageManifest;
  const detail =
    `package ${m.packageId}, ${m.report.kind} report ${m.report.id}, tenant ${m.tenant}, ` +
    `generated ${m.generatedAt} by ${m.generator.name} ${m.generator.version}`;
  return { check: pass('manifest format', detail), manifest: m, value: m };
}

/** The key set every signature is checked with: --keys when given, else the package's own. */
function keyChecks(
  files: Files,
  trustedJwks: unknown,
): { checks: Check[]; keySet: KeySet; keySource: unknown; packageKeys: KeySet } {
  const jwks = files.get(PACKAGE_FILES.jwks);
  const parsed = jwks ? parseJson(jwks, false) : 'missing';
  const packageSource = typeof parsed === 'string' ? null : parsed.value;
  const packageKeys = parseKeySet(packageSource);
  const checks = [keySetCheck(packageKeys)];
  if (trustedJwks === undefined) {
    const list = packageKeys.keys.map(describeKey).join(', ');
    const detail =
      'no --keys given: the keys were taken from the package itself, which shows only that the ' +
      `package is consistent with them; compare their thumbprints with the ones the service publishes: ${list}`;
    return {
      checks: [...checks, pass('key source', detail)],
      keySet: packageKeys,
      keySource: packageSource,
      packageKeys,
    };
  }
  const trusted = parseKeySet(trustedJwks);
  checks.push({ ...keySetCheck(trusted), name: 'trusted key set' });
  const problems = packageKeys.keys.flatMap((key) => {
    const match = trusted.keys.find((t) => t.kid === key.kid);
    if (!match) return [`${key.kid} is not in the trusted key set`];
    return match.raw.equals(key.raw) ? [] : [`${key.kid} has another x than the trusted key`];
  });
  const detail = `the package's ${packageKeys.keys.length} key(s) are all in the trusted set (--keys), whose validity windows apply`;
  checks.push(
    problems.length === 0 ? pass('key source', detail) : fail('key source', problems.join('; ')),
  );
  return { checks, keySet: trusted, keySource: trustedJwks, packageKeys };
}

function describeKey(key: VerifierKey): string {
  return `${key.kid} [${key.validFrom}, ${key.validUntil ?? 'open'})`;
}

function manifestSignatureChecks(files: Files, manifest: unknown, keySet: KeySet): Check[] {
  const kid =
    isObject(manifest) && typeof manifest.signingKeyId === 'string' ? manifest.signingKeyId : null;
  const bytes = files.get(PACKAGE_FILES.manifest);
  const signature = files.get(PACKAGE_FILES.signature);
  const key = keySet.keys.find((k) => k.kid === kid);
  if (!bytes || kid === null || !key) {
    const why =
      !bytes || kid === null ? 'the manifest names no signing key' : `no key ${kid} in the key set`;
    return [fail('manifest signature', why), notChecked('manifest key window', 'no signing key')];
  }
  const window = isObject(manifest) ? keyWindowCheck(key, manifest.generatedAt as string) : null;
  const windowCheck = window
    ? { ...window, name: 'manifest key window', detail: `generatedAt: ${window.detail}` }
    : notChecked('manifest key window', 'no generatedAt');
  if (!signature || signature.length !== 64) {
    return [fail('manifest signature', 'manifest.sig is not 64 bytes'), windowCheck];
  }
  const ok = verifyEd25519(bytes, signature, key.raw);
  return [
    ok
      ? pass('manifest signature', `Ed25519 by ${kid} over manifest.json's exact bytes`)
      : fail(
          'manifest signature',
          `manifest.sig is not a valid Ed25519 signature by ${kid} over manifest.json`,
        ),
    windowCheck,
  ];
}

/** Every listed file is there with its size and hash, and no other file is. */
function filesCheck(digests: ReadonlyMap<string, FileDigest>, manifest: PackageManifest): Check {
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of manifest.files) {
    const digest = digests.get(file.path);
    if (!digest) problems.push(`${file.path} is listed but missing`);
    else if (digest.bytes !== file.bytes) {
      problems.push(`${file.path} has ${digest.bytes} bytes, the manifest lists ${file.bytes}`);
    } else if (digest.sha256 !== file.sha256) {
      problems.push(`${file.path} has SHA-256 ${digest.sha256}, the manifest lists ${file.sha256}`);
    }
  }
  for (const name of digests.keys()) {
    const own = name === PACKAGE_FILES.manifest || name === PACKAGE_FILES.signature;
    if (!own && !listed.has(name))
      problems.push(`${name} is in the archive but not in the manifest`);
  }
  for (const path of REQUIRED_PACKAGE_FILES) {
    if (!digests.has(path) || (!listed.has(path) && !path.startsWith('manifest.'))) {
      if (!problems.some((p) => p.startsWith(`${path} `))) problems.push(`${path} is missing`);
    }
  }
  if (listed.has(PACKAGE_FILES.consistency) !== (manifest.previousCheckpoint !== undefined)) {
    problems.push(
      'consistency.json must be present exactly when the manifest has a previousCheckpoint',
    );
  }
  if (problems.length > 0) return fail('files', firstFew(problems));
  const detail = `${manifest.files.length} files, each with the size and SHA-256 the manifest lists; no unlisted file`;
  return pass('files', detail);
}

function sumsCheck(files: Files, manifest: PackageManifest): Check {
  const sums = files.get(PACKAGE_FILES.sums);
  if (!sums) return fail('SHA256SUMS', 'missing');
  return sums.equals(Buffer.from(sha256SumsText(manifest.files), 'utf8'))
    ? pass(
        'SHA256SUMS',
        `the same ${manifest.files.length - 1} hashes as the manifest, for sha256sum -c`,
      )
    : fail('SHA256SUMS', "does not list exactly the manifest's files and hashes");
}

/** keys/<kid>.pem for each key of keys/jwks.json, the same key, and no other .pem. */
function keyFilesCheck(files: Files, names: readonly string[], packageKeys: KeySet): Check {
  const problems: string[] = [];
  for (const key of packageKeys.keys) {
    const pem = files.get(keyPemPath(key.kid));
    if (!pem) {
      problems.push(`${keyPemPath(key.kid)} is missing`);
      continue;
    }
    const expected = ed25519PublicKey(key.raw).export({ format: 'der', type: 'spki' });
    let actual: Buffer | null;
    try {
      actual = createPublicKey(pem).export({ format: 'der', type: 'spki' });
    } catch {
      actual = null;
    }
    if (!actual?.equals(expected))
      problems.push(`${keyPemPath(key.kid)} is not the key ${key.kid}`);
  }
  for (const name of names) {
    const kid = /^keys\/(.+)\.pem$/.exec(name)?.[1];
    if (kid !== undefined && !packageKeys.keys.some((k) => k.kid === kid)) {
      problems.push(`${name} names no key of keys/jwks.json`);
    }
  }
  if (problems.length > 0) return fail('key files', firstFew(problems));
  return pass(
    'key files',
    `keys/<kid>.pem is the same public key for each of the ${packageKeys.keys.length} key(s) of keys/jwks.json`,
  );
}

function checkpointAgainstManifest(
  files: Files,
  manifest: PackageManifest,
  keySet: KeySet,
): { checks: Check[]; checkpoint: Checkpoint | null } {
  const note = files.get(PACKAGE_FILES.checkpoint) ?? Buffer.alloc(0);
  const result = checkpointChecks(note, keySet, 'checkpoint');
  const cp = result.checkpoint;
  if (!cp)
    return {
      checks: [...result.checks, notChecked('checkpoint matches manifest', 'malformed')],
      checkpoint: null,
    };
  const problems = treeHeadProblems(cp, manifest.checkpoint, manifest.origin);
  if (!cp.origin.endsWith(`/${manifest.tenant}`))
    problems.push(`the origin is not the log of tenant ${manifest.tenant}`);
  const match =
    problems.length === 0
      ? pass(
          'checkpoint matches manifest',
          `origin, size ${cp.size} and root hash as the manifest states`,
        )
      : fail('checkpoint matches manifest', problems.join('; '));
  return { checks: [...result.checks, match], checkpoint: cp };
}

function treeHeadProblems(
  cp: Checkpoint,
  stated: { size: number; rootHash: string },
  origin: string,
): string[] {
  const problems: string[] = [];
  if (cp.origin !== origin) problems.push(`origin ${cp.origin}, the manifest says ${origin}`);
  if (cp.size !== stated.size) problems.push(`size ${cp.size}, the manifest says ${stated.size}`);
  const root = cp.root.toString('base64');
  if (root !== stated.rootHash) problems.push(`root ${root}, the manifest says ${stated.rootHash}`);
  return problems;
}

/** When the package names an earlier one: its checkpoint, and the proof that this log extends it. */
function previousCheckpointChecks(
  files: Files,
  manifest: PackageManifest,
  keySet: KeySet,
  checkpoint: Checkpoint | null,
): Check[] {
  const previous = manifest.previousCheckpoint;
  if (previous === undefined) return [];
  const bytes = files.get(PACKAGE_FILES.consistency);
  const parsed = bytes ? parseJson(bytes, false) : 'missing';
  if (
    typeof parsed === 'string' ||
    !isObject(parsed.value) ||
    typeof parsed.value.oldCheckpoint !== 'string'
  ) {
    const why = `consistency.json is ${typeof parsed === 'string' ? parsed : 'not { oldCheckpoint, ... }'}`;
    return [fail('previous checkpoint', why), notChecked('consistency', 'no consistency proof')];
  }
  const old = checkpointChecks(parsed.value.oldCheckpoint, keySet, 'previous checkpoint');
  const problems = old.checkpoint
    ? treeHeadProblems(old.checkpoint, previous, manifest.origin)
    : [];
  const failed = [
    ...old.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    ...problems,
  ];
  const oldCheck =
    failed.length === 0
      ? pass(
          'previous checkpoint',
          `signed, size ${previous.size}, as the manifest's previousCheckpoint`,
        )
      : fail('previous checkpoint', failed.join('; '));
  const proof = consistencyChecks(parsed.value, old.checkpoint, checkpoint).filter((c) => !c.ok);
  const consistency =
    proof.length === 0
      ? pass(
          'consistency',
          `the log of size ${checkpoint!.size} extends the previous package's (size ${previous.size})`,
        )
      : fail('consistency', proof.map((c) => `${c.name}: ${c.detail}`).join('; '));
  return [oldCheck, consistency];
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
