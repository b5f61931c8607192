import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from 'src/common/domain-error';
import { CanonicalJsonError, canonicalJson } from 'src/evidence-format/canonical-json';
import { EntryStamp, LogEntryKind } from 'src/evidence-format/entry';
import { leafHash } from 'src/evidence-format/merkle';
import { EntryNotSerialisableError } from 'src/log/log.errors';
import { LogRepository } from 'src/log/log.repository';
import { CommittedEntry, EntryCompanion, EntryDraft } from 'src/log/log.types';
import { KeyRing } from 'src/signing/key-ring.service';

/**
 * An error that one entry of a batch may have caused: a constraint (SQLSTATE class 23), bad
 * data (class 22), or a domain refusal such as a text already erased.
 */
function refusedEntry(error: unknown): boolean {
  if (error instanceof DomainError) return true;
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' && (code.startsWith('23') || code.startsWith('22'));
}

/** Most entries one transaction commits: bounds the statement size and the lock hold time. */
const MAX_BATCH = 256;

interface Pending {
  draft: EntryDraft;
  id: string;
  /** The body's canonical text split around its index and time (see `template`), or null. */
  pieces: string[] | null;
  resolve: (entry: CommittedEntry) => void;
  reject: (error: unknown) => void;
}

// Stand-ins for the index and time a body gets only under the log head's lock: the body is
// canonicalised once, outside the lock, and the two values are spliced into the text there.
const INDEX_SENTINEL = String(Number.MAX_SAFE_INTEGER);
const TIME_SENTINEL = JSON.stringify(`time-${randomUUID()}`);
const SENTINELS = new RegExp(`(${INDEX_SENTINEL}|${TIME_SENTINEL})`);

/** The body as it is hashed: the draft's members and the stamp the log gives it. */
export function stamped(draft: EntryDraft, stamp: EntryStamp): Record<string, unknown> {
  return { ...draft.body, ...stamp };
}

/**
 * Canonicalises a body with stand-ins for its index and time and splits the text around them.
 * A number or a string replaced by another in canonical text gives the canonical text of the
 * changed value (members are ordered by name, not value). When the stand-ins do not occur
 * exactly once each (a body that also holds the largest safe integer, say), null: the body is
 * then canonicalised whole under the lock.
 */
export function template(draft: EntryDraft, id: string, tenantId: string): string[] | null {
  const text = canonicalJson(
    stamped(draft, {
      id,
      tenant: tenantId,
      logIndex: Number.MAX_SAFE_INTEGER,
      time: JSON.parse(TIME_SENTINEL) as string,
    }),
  );
  const pieces = text.split(SENTINELS);
  const found = pieces.filter((_, i) => i % 2 === 1);
  const once = (s: string) => found.filter((f) => f === s).length === 1;
  return found.length === 2 && once(INDEX_SENTINEL) && once(TIME_SENTINEL) ? pieces : null;
}

export function fill(pieces: string[], logIndex: number, time: string): string {
  return pieces
    .map((piece, i) =>
      i % 2 === 0 ? piece : piece === INDEX_SENTINEL ? String(logIndex) : JSON.stringify(time),
    )
    .join('');
}

/**
 * Appends entries to the tenants' logs with group commit: callers that arrive while a batch is
 * committing wait for the next one, which takes the log head's lock once for all of them. Under
 * load that is one lock round trip per batch rather than per entry, and each caller still learns
 * only after its own entry is durable. Across processes the head's row lock keeps indexes
 * contiguous and unique.
 *
 * Domains that keep rows beside their entries register an EntryCompanion for the entry kind;
 * its rows are written in the same transaction.
 *
 * A batch that fails is retried entry by entry, so one bad entry (a unique idempotency key taken
 * by another process, say) fails alone. When the database is down, every caller gets the error:
 * nothing is acknowledged that was not committed.
 */
@Injectable()
export class LogWriter {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();
  private readonly companions = new Map<LogEntryKind, EntryCompanion>();

  constructor(
    private readonly repository: LogRepository,
    private readonly keys: KeyRing,
  ) {}

  /**
   * Runs `work` in a transaction of the tenant that holds the log head's row lock, as appends
   * do: for a domain whose writes must not interleave with its companions' (re-wrapping keys).
   */
  underHeadLock<T>(tenantId: string, work: () => Promise<T>): Promise<T> {
    return this.repository.inAppendTransaction(tenantId, async () => {
      await this.repository.lockHead(tenantId);
      return work();
    });
  }

  /** Registers the domain whose rows complete entries of `companion.kind` (one per kind). */
  attach<A>(companion: EntryCompanion<A>): void {
    if (this.companions.has(companion.kind)) {
      throw new Error(`log entries of kind ${companion.kind} already have a companion`);
    }
    this.companions.set(companion.kind, companion);
  }

  append<A>(tenantId: string, draft: EntryDraft<A>): Promise<CommittedEntry> {
    if (draft.body.kind !== draft.kind) {
      // Verifiers read the kind from the signed body: one that disagrees would never verify.
      return Promise.reject(
        new Error(
          `entry body kind ${String(draft.body.kind)} is not the entry's kind ${draft.kind}`,
        ),
      );
    }
    // A body that cannot be canonicalised fails its own caller here, not the batch it would join.
    const id = draft.id ?? randomUUID();
    let pieces: string[] | null;
    try {
      pieces = template(draft, id, tenantId);
    } catch (error) {
      return Promise.reject(
        error instanceof CanonicalJsonError
          ? new EntryNotSerialisableError(error)
          : (error as Error),
      );
    }
    return new Promise<CommittedEntry>((resolve, reject) => {
      const queue = this.queues.get(tenantId) ?? [];
      queue.push({ draft, id, pieces, resolve, reject });
      this.queues.set(tenantId, queue);
      if (!this.flushing.has(tenantId)) void this.flush(tenantId);
    });
  }

  private async flush(tenantId: string): Promise<void> {
    this.flushing.add(tenantId);
    try {
      for (;;) {
        const queue = this.queues.get(tenantId) ?? [];
        if (queue.length === 0) break;
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const committed = await this.commit(tenantId, batch);
          batch.forEach((p, i) => p.resolve(committed[i]));
        } catch (error) {
          // Only an entry the database refused can fail alone; with the database unreachable,
          // retrying one by one would make the last caller wait out every entry's timeout.
          if (batch.length === 1 || !refusedEntry(error)) {
            batch.forEach((p) => p.reject(error));
            continue;
          }
          for (const pending of batch) {
            try {
              pending.resolve((await this.commit(tenantId, [pending]))[0]);
            } catch (single) {
              pending.reject(single);
            }
          }
        }
      }
    } finally {
      this.flushing.delete(tenantId);
      this.queues.delete(tenantId);
    }
  }

  /**
   * One transaction: lock the head, stamp, hash and sign each entry at the index that follows,
   * insert the entries, let each kind's companion write its rows, move the head. A failure
   * anywhere rolls all of it back: no gap, and no entry without its rows.
   */
  private commit(tenantId: string, batch: Pending[]): Promise<CommittedEntry[]> {
    return this.repository.inAppendTransaction(tenantId, async () => {
      const head = await this.repository.lockHead(tenantId);
      const entries: CommittedEntry[] = [];
      for (const [i, pending] of batch.entries()) {
        entries.push(await this.seal(tenantId, pending, head.size + i, head.time));
      }
      await this.repository.insertEntries(tenantId, entries);
      for (const [kind, companion] of this.companions) {
        const appended = entries
          .map((entry, i) => ({ entry, attachment: batch[i].draft.attachment }))
          .filter(({ entry }) => entry.kind === kind);
        if (appended.length > 0) await companion.write(tenantId, appended);
      }
      await this.repository.advanceHead(tenantId, entries.length);
      return entries;
    });
  }

  /** The entry at `logIndex`: its canonical body, leaf hash and signature. */
  private async seal(
    tenantId: string,
    { draft, id, pieces }: Pending,
    logIndex: number,
    time: string,
  ): Promise<CommittedEntry> {
    const canonical = pieces
      ? fill(pieces, logIndex, time)
      : canonicalJson(stamped(draft, { id, tenant: tenantId, logIndex, time }));
    const leaf = leafHash(Buffer.from(canonical, 'utf8'));
    // The key valid at the time the body states, which is what verifiers check.
    const { keyId, signature } = await this.keys.sign(leaf, new Date(time));
    return {
      id,
      tenantId,
      logIndex,
      time,
      kind: draft.kind,
      subjectId: draft.subjectId ?? null,
      canonical,
      leafHash: leaf,
      signature,
      keyId,
    };
  }
}
