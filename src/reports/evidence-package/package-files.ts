import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import {
  PACKAGE_FILES,
  REQUIRED_PACKAGE_FILES,
  REPORT_KINDS,
  comparePaths,
  isPackagePath,
  type PackageManifest,
} from 'src/evidence-format/evidence-package';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import { isDeflatedSource, type FileSource } from 'src/reports/evidence-package/package-zip';

/**
 * One file the caller puts in the package: its bytes, the path of a file on disk to stream, or a
 * file deflated as it was written (with its hash and size already taken).
 */
export interface PackageFileSource {
  /** The path inside the package, e.g. `records.jsonl` or `keys/<kid>.pem`. */
  path: string;
  source: FileSource;
}

/** A package file with its hash and size, as the manifest lists it. */
export interface HashedFile extends PackageFileSource {
  sha256: string;
  bytes: number;
}

/** The manifest members the caller decides; the builder adds format, signingKeyId and files. */
export type PackageManifestFields = Omit<
  PackageManifest,
  'format' | 'formatVersion' | 'signingKeyId' | 'files'
>;

/** The files the builder writes itself, so a caller may not give them. */
const WRITTEN_BY_BUILDER = [
  PACKAGE_FILES.manifest,
  PACKAGE_FILES.signature,
  PACKAGE_FILES.readme,
  PACKAGE_FILES.sums,
];

/**
 * Refuses a file list the format does not allow: bad or duplicate paths, the files the builder
 * writes itself, a missing required file, and consistency.json without a previous checkpoint
 * (or the reverse).
 */
export function checkFileList(
  files: readonly PackageFileSource[],
  manifest: PackageManifestFields,
): void {
  const seen = new Set<string>();
  for (const { path, source } of files) {
    if (typeof path !== 'string' || !isPackagePath(path)) {
      const why = 'paths are /-separated segments of [A-Za-z0-9._-] not starting with a dot';
      throw new EvidencePackageError('invalid_path', `${JSON.stringify(path)} is refused: ${why}`);
    }
    if (WRITTEN_BY_BUILDER.includes(path as (typeof WRITTEN_BY_BUILDER)[number])) {
      throw new EvidencePackageError('reserved_path', `${path} is written by the builder itself`);
    }
    // Case-insensitive: two names that differ only in case overwrite each other when an auditor
    // unzips on macOS or Windows.
    if (seen.has(path.toLowerCase())) {
      throw new EvidencePackageError('duplicate_path', `${path} is given twice`);
    }
    seen.add(path.toLowerCase());
    if (!Buffer.isBuffer(source) && typeof source !== 'string' && !isDeflatedSource(source)) {
      const why = `${path}: source is not a Buffer, a path or a deflated file`;
      throw new EvidencePackageError('invalid_path', why);
    }
  }
  const given = new Set(files.map((f) => f.path));
  for (const path of REQUIRED_PACKAGE_FILES) {
    if (!WRITTEN_BY_BUILDER.includes(path as never) && !given.has(path)) {
      throw new EvidencePackageError('missing_file', `the package needs ${path}`);
    }
  }
  const hasConsistency = given.has(PACKAGE_FILES.consistency);
  if (hasConsistency !== (manifest.previousCheckpoint !== undefined)) {
    const why = hasConsistency
      ? `${PACKAGE_FILES.consistency} is given but the manifest has no previousCheckpoint`
      : `the manifest has a previousCheckpoint but no ${PACKAGE_FILES.consistency} is given`;
    throw new EvidencePackageError(hasConsistency ? 'unexpected_file' : 'missing_file', why);
  }
}

const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const HASH_B64 = /^[A-Za-z0-9+/]{43}=$/;

/** Refuses manifest members that would make a package no verifier accepts. */
export function checkManifestFields(fields: PackageManifestFields): void {
  const problems: string[] = [];
  for (const name of ['packageId', 'tenant', 'origin'] as const) {
    if (typeof fields[name] !== 'string' || fields[name] === '') problems.push(`${name} is empty`);
  }
  if (!UTC_TIME.test(fields.generatedAt) || Number.isNaN(Date.parse(fields.generatedAt))) {
    problems.push(`generatedAt ${JSON.stringify(fields.generatedAt)} is not RFC 3339 UTC (…Z)`);
  }
  if (!REPORT_KINDS.includes(fields.report.kind)) {
    problems.push(`report.kind ${JSON.stringify(fields.report.kind)} is unknown`);
  }
  for (const name of ['recordCount', 'entryCount'] as const) {
    if (!isCount(fields.report[name])) problems.push(`report.${name} is not an integer ≥ 0`);
  }
  const checkpoints = {
    checkpoint: fields.checkpoint,
    previousCheckpoint: fields.previousCheckpoint,
  };
  for (const [name, checkpoint] of Object.entries(checkpoints)) {
    if (checkpoint === undefined) continue;
    if (!isCount(checkpoint.size)) problems.push(`${name}.size is not an integer ≥ 0`);
    if (!HASH_B64.test(checkpoint.rootHash) || !isCanonicalHash(checkpoint.rootHash)) {
      problems.push(`${name}.rootHash is not 32 bytes of padded base64`);
    }
  }
  if (problems.length > 0) {
    throw new EvidencePackageError('invalid_manifest_field', problems.join('; '));
  }
}

function isCount(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isCanonicalHash(text: string): boolean {
  return Buffer.from(text, 'base64').toString('base64') === text;
}

/**
 * SHA-256 and size of each file, a file on disk read as a stream (records.jsonl of a period
 * audit is hundreds of megabytes: memory stays flat). Sorted by path, as the manifest lists them.
 */
export async function hashFiles(files: readonly PackageFileSource[]): Promise<HashedFile[]> {
  const hashed: HashedFile[] = [];
  for (const file of files) hashed.push({ ...file, ...(await hashSource(file.source)) });
  return hashed.sort((a, b) => comparePaths(a.path, b.path));
}

export async function hashSource(source: FileSource): Promise<{ sha256: string; bytes: number }> {
  if (isDeflatedSource(source)) return { sha256: source.sha256, bytes: source.bytes };
  if (Buffer.isBuffer(source)) {
    return { sha256: createHash('sha256').update(source).digest('hex'), bytes: source.length };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(source)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** A small file's bytes, whatever its source (a deflated one is inflated). */
export async function readSource(source: FileSource): Promise<Buffer> {
  if (Buffer.isBuffer(source)) return source;
  if (isDeflatedSource(source)) return inflate(await readFile(source.deflated));
  return readFile(source);
}

const inflate = promisify(inflateRaw);
