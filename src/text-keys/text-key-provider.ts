/**
 * The port behind which the keys that wrap records' text keys live, outside the database: a
 * local folder today (LocalTextKeyProvider), a cloud KMS tomorrow. Erasure that survives
 * database backups rests on it: a backup holds only wrapped data keys, and erasing destroys the
 * key-encryption key (KEK) that wrapped the erased record's data key, which no database backup
 * holds.
 *
 * A KEK wraps the data keys of one tenant's records of one UTC day (its scope). Erasing a
 * record rotates its scope: a new generation is made, the scope's other records are re-wrapped
 * under it in the erasure's transaction, and the old generation is destroyed after the commit.
 * Callers order wraps and rotations of a tenant (the records domain does both under the log
 * head's row lock), so a wrap never lands under a generation being retired.
 *
 * A KMS adapter has the same shape: one symmetric KMS key per scope generation (`rotate` is
 * CreateKey, `wrap`/`unwrap` are Encrypt/Decrypt with the record id as encryption context,
 * `destroy` is ScheduleKeyDeletion, whose waiting period then bounds how long an erasure takes
 * to become final), and `list` reads the keys' tags.
 */
export abstract class TextKeyProvider {
  /** Where the keys are, for the start-up log line. */
  abstract describe(): string;

  /**
   * Wraps each data key under the newest generation of the (tenant, day) scope, creating the
   * scope's first generation when it has none. Each wrap is bound to its record id.
   */
  abstract wrap(
    scope: KekScope,
    keys: readonly { recordId: string; dataKey: Buffer }[],
  ): Promise<{ kekId: string; wrapped: Buffer[] }>;

  /** The data key, or null when its KEK was destroyed. Throws when the wrap was altered. */
  abstract unwrap(kekId: string, recordId: string, wrapped: Buffer): Promise<Buffer | null>;

  /** Makes the next generation of the scope `kekId` belongs to and returns its id. */
  abstract rotate(kekId: string): Promise<string>;

  /** Destroys a KEK for good (nothing it wrapped can be unwrapped again); absent is fine. */
  abstract destroy(kekId: string): Promise<void>;

  /** The tenant's KEKs that still exist, each with whether it is its scope's newest. */
  abstract list(tenantId: string): Promise<{ kekId: string; newest: boolean }[]>;
}

/** The records one KEK wraps the keys of: a tenant's records of one UTC day. */
export interface KekScope {
  tenantId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
}

const KEK_ID = /^([0-9a-f-]{36})\/(\d{4}-\d{2}-\d{2})\/([1-9]\d{0,8})$/;

/** `tenant/day/generation`: readable in logs and in the database, parsed back by the providers. */
export function kekId(scope: KekScope, generation: number): string {
  return `${scope.tenantId}/${scope.day}/${generation}`;
}

export function parseKekId(id: string): (KekScope & { generation: number }) | null {
  const match = KEK_ID.exec(id);
  return match ? { tenantId: match[1], day: match[2], generation: Number(match[3]) } : null;
}

/** The scope of a record committed at `time` (an ISO instant). */
export function scopeOf(tenantId: string, time: string): KekScope {
  return { tenantId, day: new Date(time).toISOString().slice(0, 10) };
}
