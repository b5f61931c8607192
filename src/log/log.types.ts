export const LOG_ENTRY_KINDS = ['record', 'review', 'erasure', 'access'] as const;
export type LogEntryKind = (typeof LOG_ENTRY_KINDS)[number];

/** Version of the entry bodies this code writes (the record schema's `schemaVersion`). */
export const SCHEMA_VERSION = 1;

/** Where an entry lands: assigned by the writer inside the committing transaction. */
export interface LogSlot {
  id: string;
  tenantId: string;
  logIndex: number;
  /** Commit time of the batch, RFC 3339 UTC with milliseconds. */
  time: string;
}

/** Rows of other tables written in the same transaction as an entry (all or nothing). */
export type AttachedRow =
  | {
      table: 'records';
      values: {
        applicationId: string;
        provenance: 'generated' | 'submitted';
        purpose: string | null;
        caseId: string | null;
        policyOutcome: 'pass' | 'flag' | 'block';
        conceptShares: Record<string, number>;
        idempotencyKey: string | null;
        requestSha256: Buffer | null;
      };
    }
  | { table: 'record_texts'; values: { iv: Buffer; ciphertext: Buffer; tag: Buffer } }
  | { table: 'record_text_keys'; values: { dataKey: Buffer } };

/** An entry to append. `body` is called with its slot, so the body can hold its own index. */
export interface EntryDraft {
  kind: LogEntryKind;
  /** The earlier entry this one is about (a review's or an erasure's record). */
  subjectId?: string;
  /** Entry id, when the caller needs to know it before the commit (otherwise random). */
  id?: string;
  body: (slot: LogSlot) => Record<string, unknown>;
  attached?: AttachedRow[];
  /** An erasure: the record whose text key is deleted in the same transaction as this entry. */
  erasesTextOf?: string;
}

/** An entry as committed: what the API returns and the verifier checks. */
export interface CommittedEntry extends LogSlot {
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

/** The signed-entry form of the verifier and of `GET /v1/records/:id`. */
export interface SignedEntry {
  body: Record<string, unknown>;
  leafHash: string;
  signature: string;
  keyId: string;
}

export function signedEntry(entry: CommittedEntry): SignedEntry {
  return {
    body: JSON.parse(entry.canonical) as Record<string, unknown>,
    leafHash: entry.leafHash.toString('base64'),
    signature: entry.signature.toString('base64'),
    keyId: entry.keyId,
  };
}
