/**
 * The evidence package as the evidence format defines it: a ZIP an external auditor verifies
 * offline, number by number, without trusting the service. The service writes it
 * (src/reports/evidence-package/), `audit-verify package` reads it; both follow this file.
 *
 * Files (paths inside the ZIP, all at fixed places):
 *
 *   manifest.json      canonical JSON (RFC 8785) of a PackageManifest: every other file's SHA-256
 *   manifest.sig       the raw 64-byte Ed25519 signature over manifest.json's exact bytes, by the
 *                      key the manifest names (`signingKeyId`)
 *   README.md          how to verify with audit-verify, and with openssl and sha256sum alone
 *   SHA256SUMS         `<sha256 hex>  <path>` for every file listed in the manifest but itself, in
 *                      the manifest's order: the same hashes as manifest.files, in the format
 *                      `sha256sum -c` reads, so an auditor needs no JSON tool to check the files
 *                      (SHA256SUMS is itself listed in the signed manifest, which binds it)
 *   report.pdf         the report; report.json is also attached inside it (PDF/A-3 style)
 *   report.json        the report's data as the PDF shows it (canonical JSON). The verifier relies
 *                      on one member only: a top-level `"records": [{ "id", "logIndex" }, ...]`
 *                      naming exactly the records of records.jsonl, in the same order
 *   records.jsonl      one signed entry per line (SignedEntry: body, leafHash, signature, keyId)
 *                      for each record in scope, in log order
 *   entries.jsonl      the signed entries about those records (reviews, erasures, reads) and the
 *                      report's own build entry when it precedes the checkpoint, in log order
 *   proofs.jsonl       one PackageProof per line, for every line of records.jsonl and then of
 *                      entries.jsonl, in the same order, each against checkpoint.txt
 *   checkpoint.txt     the C2SP signed checkpoint every proof is against, exact bytes
 *   consistency.json   only when the request named an earlier package: a PackageConsistency from
 *                      that package's checkpoint to checkpoint.txt
 *   keys/jwks.json     every public signing key with its validity window (as /.well-known/jwks.json)
 *   keys/<kid>.pem     each key as SPKI PEM, for `openssl pkeyutl -verify -pubin`
 *   model/<name>/<version>/manifest.json and MODEL_CARD.md for each model the records name
 *
 * Each line of the three .jsonl files is the RFC 8785 canonical JSON of its object followed by
 * "\n" (the last line too), so `wc -l` counts them and a line can be taken apart with grep and
 * sed: in a signed entry the body comes first, then keyId, leafHash and signature.
 *
 * Paths are `/`-separated segments of [A-Za-z0-9._-] that do not start with a dot (so no `.`,
 * `..`, hidden or absolute names, nothing a shell or `sha256sum -c` reads differently), and they
 * sort by plain code-unit order (`LC_ALL=C sort`).
 *
 * The ZIP itself is reproducible: the same inputs give the same bytes. Entries are, in this order,
 * manifest.json, manifest.sig, README.md and then every other file sorted by path; each a regular
 * file (mode 0644) with the DOS time of `generatedAt` written as UTC wall-clock time, deflated
 * except report.pdf (already compressed, stored). No ZIP64, no encryption, no directory entries,
 * no archive comment.
 */

export const PACKAGE_FORMAT = 'interpretable-audit-evidence-package';
export const PACKAGE_FORMAT_VERSION = 1;

export const PACKAGE_FILES = {
  manifest: 'manifest.json',
  signature: 'manifest.sig',
  readme: 'README.md',
  pdf: 'report.pdf',
  reportJson: 'report.json',
  records: 'records.jsonl',
  entries: 'entries.jsonl',
  proofs: 'proofs.jsonl',
  checkpoint: 'checkpoint.txt',
  consistency: 'consistency.json',
  jwks: 'keys/jwks.json',
  sums: 'SHA256SUMS',
} as const;

/** The files every package holds (besides keys/<kid>.pem for each key of keys/jwks.json). */
export const REQUIRED_PACKAGE_FILES: readonly string[] = [
  PACKAGE_FILES.manifest,
  PACKAGE_FILES.signature,
  PACKAGE_FILES.readme,
  PACKAGE_FILES.sums,
  PACKAGE_FILES.pdf,
  PACKAGE_FILES.reportJson,
  PACKAGE_FILES.records,
  PACKAGE_FILES.entries,
  PACKAGE_FILES.proofs,
  PACKAGE_FILES.checkpoint,
  PACKAGE_FILES.jwks,
];

/**
 * The most a package may hold, uncompressed, summed over its files: a bound the verifier checks
 * before it inflates anything, so a ZIP bomb is refused before it costs the auditor time or disk
 * (the verifier itself reads a package a mebibyte at a time; a tool that unzips it would not).
 * Records of 32 tokens from model 2.3.0 carry about 50 kB of signed body each, so a period audit
 * reaches it near 40,000 records; the service refuses a larger period when it is requested.
 */
export const MAX_PACKAGE_BYTES = 2 * 1024 ** 3;

/** Files stored rather than deflated in the ZIP, because they are compressed already. */
export const STORED_PACKAGE_FILES: readonly string[] = [PACKAGE_FILES.pdf];

const PATH_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Is this a path the format allows inside the package (see the file comment)? */
export function isPackagePath(path: string): boolean {
  return path.length <= 255 && path.split('/').every((segment) => PATH_SEGMENT.test(segment));
}

/** Code-unit order, as `LC_ALL=C sort` orders the ASCII paths of a package. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The exact text of SHA256SUMS for a manifest's file list: one `<hex>  <path>` line (two spaces,
 * the text mode of GNU sha256sum) per file but SHA256SUMS itself, in the list's order.
 */
export function sha256SumsText(files: readonly PackageFileEntry[]): string {
  return files
    .filter((file) => file.path !== PACKAGE_FILES.sums)
    .map((file) => `${file.sha256}  ${file.path}\n`)
    .join('');
}

/** `keys/<kid>.pem`. */
export function keyPemPath(kid: string): string {
  return `keys/${kid}.pem`;
}

/** `model/<name>/<version>/<file>` (file: manifest.json or MODEL_CARD.md). */
export function modelFilePath(name: string, version: string, file: string): string {
  return `model/${name}/${version}/${file}`;
}

export const REPORT_KINDS = ['decision-evidence', 'case-file', 'period-audit'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** What a report covers, as requested. Exactly the fields of its kind are set. */
export interface ReportScope {
  /** decision-evidence: the one record. */
  recordId?: string;
  /** case-file: the case id or the pseudonymous subject reference (one of the two). */
  caseId?: string;
  subjectRef?: string;
  /** period-audit: the applications (empty: all of the tenant's) and the half-open time range. */
  applicationIds?: string[];
  from?: string;
  to?: string;
}

export interface PackageFileEntry {
  path: string;
  /** Lowercase hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** manifest.json: canonical JSON of this object (RFC 8785), signed as it is in manifest.sig. */
export interface PackageManifest {
  format: typeof PACKAGE_FORMAT;
  formatVersion: typeof PACKAGE_FORMAT_VERSION;
  packageId: string;
  tenant: string;
  /** The tenant log's origin line, as in its checkpoints. */
  origin: string;
  report: {
    id: string;
    kind: ReportKind;
    scope: ReportScope;
    /** How many lines records.jsonl holds: a shorter file is a truncated package. */
    recordCount: number;
    /** How many lines entries.jsonl holds. */
    entryCount: number;
  };
  /**
   * RFC 3339 UTC: when the report was requested or, if the key that signed the package came into
   * service after the request, the instant it did (so the signer's window holds it); the package
   * was made then or later. Also the ZIP's time.
   */
  generatedAt: string;
  generator: { name: string; version: string };
  /** The checkpoint every proof is against (checkpoint.txt). */
  checkpoint: { size: number; rootHash: string };
  /** The earlier package's checkpoint, when consistency.json is included. */
  previousCheckpoint?: { size: number; rootHash: string };
  /** The kid (RFC 7638 thumbprint) of the key that signed manifest.sig. */
  signingKeyId: string;
  /** Every file of the package but manifest.json and manifest.sig, sorted by path (comparePaths). */
  files: PackageFileEntry[];
}

/** One line of proofs.jsonl: an RFC 6962 inclusion proof of an entry against checkpoint.txt. */
export interface PackageProof {
  entryId: string;
  logIndex: number;
  /** Base64 leaf hash, as in the signed entry. */
  leafHash: string;
  treeSize: number;
  /** Base64 audit path, leaf to root. */
  hashes: string[];
}

/** consistency.json. */
export interface PackageConsistency {
  oldSize: number;
  newSize: number;
  hashes: string[];
  /** The earlier package's checkpoint, exact bytes. */
  oldCheckpoint: string;
}
