import { LogEntryKind, SignedEntry } from 'src/evidence-format/entry';

/** An entry to append. The log stamps its body with id, tenant, index and time (EntryStamp). */
export interface EntryDraft<A = unknown> {
  kind: LogEntryKind;
  /** The earlier entry this one is about (a review's or an erasure's record). */
  subjectId?: string;
  /** Entry id, when the caller needs to know it before the commit (otherwise random). */
  id?: string;
  /** The body without its stamp: the log adds `id`, `tenant`, `logIndex` and `time`. */
  body: Record<string, unknown>;
  /**
   * What the companion of this entry kind needs to write its own rows in the same transaction
   * (see EntryCompanion); opaque to the log.
   */
  attachment?: A;
}

/** An entry as committed: what the API returns and the verifier checks. */
export interface CommittedEntry {
  id: string;
  tenantId: string;
  logIndex: number;
  /** Commit time of the batch, RFC 3339 UTC with milliseconds. */
  time: string;
  kind: LogEntryKind;
  subjectId: string | null;
  /** The canonical (RFC 8785) JSON text of the body: exactly the bytes that were hashed. */
  canonical: string;
  leafHash: Buffer;
  signature: Buffer;
  keyId: string;
  /** created_at as stored, to the microsecond (read back from the table; absent when written). */
  storedTime?: string;
}

/**
 * A domain that keeps rows of its own beside some of the log's entries (records keep their
 * searchable row and sealed text beside each record entry; an erasure destroys a text key). The
 * log calls `write` inside the transaction that appends the entries, after inserting them and
 * before moving the head: the entries and the companion's rows commit together or not at all.
 * A DomainError thrown here refuses the entry that caused it (the batch is retried one by one).
 */
export interface EntryCompanion<A = unknown> {
  readonly kind: LogEntryKind;
  write(
    tenantId: string,
    appended: readonly { entry: CommittedEntry; attachment: A }[],
  ): Promise<void>;
}

/**
 * A domain's part of whole-log verification: it checks its own rows against the signed bodies
 * they copy, and names what differs.
 */
export interface LogAuditor {
  /** The report member that counts what it checked (`records`, say). */
  readonly name: string;
  audit(tenantId: string, maxProblems: number): Promise<{ checked: number; problems: string[] }>;
}

/** The whole tenant's evidence re-verified: the log, then every auditor's rows. */
export interface LogVerification {
  size: number;
  problems: string[];
  [counted: string]: number | string[];
}

export function signedEntry(entry: CommittedEntry): SignedEntry {
  return {
    body: JSON.parse(entry.canonical) as Record<string, unknown>,
    leafHash: entry.leafHash.toString('base64'),
    signature: entry.signature.toString('base64'),
    keyId: entry.keyId,
  };
}
