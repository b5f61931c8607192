import { createHash, createPublicKey } from 'node:crypto';
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
import {
  entryFileChecks,
  firstFew,
  proofsCheck,
  reportRecordsCheck,
} from 'src/verifier/package-entries';
import { checkpointChecks, consistencyChecks } from 'src/verifier/proofs';
import { readZip, ZipFormatError } from 'src/verifier/zip';

/**
 * `audit-verify package`: an evidence package (src/evidence-format/evidence-package.ts) checked
 * as a whole. The manifest's signature binds every file by its SHA-256; the records, proofs and
 * checkpoint are then checked as `record`, `inclusion` and `consistency` check them one by one,
 * and summarised per kind, so a period audit of 100k records prints a page, not 100k lines.
 */

type Files = Map<string, Buffer>;

/**
 * Told as the package's long steps advance: the step (a file's name while its lines are checked),
 * lines done and lines in all (0 of 0 for a step not counted in lines). A period audit of 100k
 * records takes minutes to check.
 */
export type PackageProgress = (step: string, done: number, total: number) => void;

export function verifyPackageZip(
  zipBytes: Buffer,
  trustedJwks?: unknown,
  progress?: PackageProgress,
): Check[] {
  let files: Files;
  progress?.('reading the archive', 0, 0);
  try {
    files = new Map(readZip(zipBytes, MAX_PACKAGE_BYTES).map((e) => [e.name, e.data]));
  } catch (error) {
    if (!(error instanceof ZipFormatError)) throw error;
    return [fail('archive', error.message), notChecked('package', 'the archive cannot be read')];
  }
  const total = [...files.values()].reduce((sum, data) => sum + data.length, 0);
  const checks = [pass('archive', `${files.size} files, ${total} bytes, each CRC-32 verified`)];
  const { check: format, manifest, value } = readManifest(files);
  const keys = keyChecks(files, trustedJwks);
  checks.push(format, ...keys.checks, ...manifestSignatureChecks(files, value, keys.keySet));
  if (!manifest) return [...checks, notChecked('package contents', 'the manifest is unusable')];

  progress?.("checking every file's SHA-256", 0, 0);
  checks.push(filesCheck(files, manifest), sumsCheck(files, manifest));
  checks.push(keyFilesCheck(files, keys.packageKeys));
  const { checks: checkpoint, checkpoint: cp } = checkpointAgainstManifest(
    files,
    manifest,
    keys.keySet,
  );
  checks.push(...checkpoint);
  const records = entryFileChecks(
    files.get(PACKAGE_FILES.records),
    'records',
    manifest,
    keys.keySet,
    progress,
  );
  const entries = entryFileChecks(
    files.get(PACKAGE_FILES.entries),
    'entries',
    manifest,
    keys.keySet,
    progress,
  );
  checks.push(...records.checks, ...entries.checks);
  checks.push(
    proofsCheck(
      files.get(PACKAGE_FILES.proofs),
      [...records.lines, ...entries.lines],
      cp,
      progress,
    ),
  );
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
): { checks: Check[]; keySet: KeySet; packageKeys: KeySet } {
  const jwks = files.get(PACKAGE_FILES.jwks);
  const parsed = jwks ? parseJson(jwks, false) : 'missing';
  const packageKeys = parseKeySet(typeof parsed === 'string' ? null : parsed.value);
  const checks = [keySetCheck(packageKeys)];
  if (trustedJwks === undefined) {
    const list = packageKeys.keys.map(describeKey).join(', ');
    const detail =
      'no --keys given: the keys were taken from the package itself, which shows only that the ' +
      `package is consistent with them; compare their thumbprints with the ones the service publishes: ${list}`;
    return { checks: [...checks, pass('key source', detail)], keySet: packageKeys, packageKeys };
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
  return { checks, keySet: trusted, packageKeys };
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
function filesCheck(files: Files, manifest: PackageManifest): Check {
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const file of manifest.files) {
    const data = files.get(file.path);
    if (!data) problems.push(`${file.path} is listed but missing`);
    else if (data.length !== file.bytes) {
      problems.push(`${file.path} has ${data.length} bytes, the manifest lists ${file.bytes}`);
    } else if (sha256(data) !== file.sha256) {
      problems.push(`${file.path} has SHA-256 ${sha256(data)}, the manifest lists ${file.sha256}`);
    }
  }
  for (const name of files.keys()) {
    const own = name === PACKAGE_FILES.manifest || name === PACKAGE_FILES.signature;
    if (!own && !listed.has(name))
      problems.push(`${name} is in the archive but not in the manifest`);
  }
  for (const path of REQUIRED_PACKAGE_FILES) {
    if (!files.has(path) || (!listed.has(path) && !path.startsWith('manifest.'))) {
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
function keyFilesCheck(files: Files, packageKeys: KeySet): Check {
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
  for (const name of files.keys()) {
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
