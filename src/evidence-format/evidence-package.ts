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
 *   report.pdf         the report; report.json is also attached inside it (PDF/A-3 style)
 *   report.json        the report's data as the PDF shows it (canonical JSON)
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
} as const;

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
  /** RFC 3339 UTC: when the report was requested; also the PDF's and the ZIP's time. */
  generatedAt: string;
  generator: { name: string; version: string };
  /** The checkpoint every proof is against (checkpoint.txt). */
  checkpoint: { size: number; rootHash: string };
  /** The earlier package's checkpoint, when consistency.json is included. */
  previousCheckpoint?: { size: number; rootHash: string };
  /** The kid (RFC 7638 thumbprint) of the key that signed manifest.sig. */
  signingKeyId: string;
  /** Every file of the package but manifest.json and manifest.sig, sorted by path. */
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
