/**
 * Log entries as the evidence format defines them: every entry body is canonical JSON that holds
 * its own stamp (id, tenant, index in the tenant's log, time), and is published with its leaf
 * hash, its Ed25519 signature and the signing key's id.
 */

export const LOG_ENTRY_KINDS = ['record', 'review', 'erasure', 'access'] as const;
export type LogEntryKind = (typeof LOG_ENTRY_KINDS)[number];

/** Version of the entry bodies this code writes (the record schema's `schemaVersion`). */
export const SCHEMA_VERSION = 1;

/**
 * What the log writes into every body when it appends it: where the entry landed and when.
 * Known only inside the committing transaction, so the body's author leaves these out.
 */
export interface EntryStamp {
  id: string;
  tenant: string;
  logIndex: number;
  /** Commit time of the batch, RFC 3339 UTC with milliseconds. */
  time: string;
}

/** The signed-entry form of the verifier and of `GET /v1/records/:id`. */
export interface SignedEntry {
  body: Record<string, unknown>;
  leafHash: string;
  signature: string;
  keyId: string;
}
