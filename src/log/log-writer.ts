import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DomainError } from 'src/common/domain-error';
import { leafHash } from 'src/log/merkle';
import { EntryNotSerialisableError } from 'src/log/log.errors';
import { LogRepository } from 'src/log/log.repository';
import { AttachedRow, CommittedEntry, EntryDraft } from 'src/log/log.types';
import { CanonicalJsonError, canonicalJson } from 'src/records/canonical-json';
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
  resolve: (entry: CommittedEntry) => void;
  reject: (error: unknown) => void;
}

/**
 * Appends entries to the tenants' logs with group commit: callers that arrive while a batch is
 * committing wait for the next one, which takes the log head's lock once for all of them. Under
 * load that is one lock round trip per batch rather than per entry, and each caller still learns
 * only after its own entry is durable. Across processes the head's row lock keeps indexes
 * contiguous and unique.
 *
 * A batch that fails is retried entry by entry, so one bad entry (a unique idempotency key taken
 * by another process, say) fails alone. When the database is down, every caller gets the error:
 * nothing is acknowledged that was not committed.
 */
@Injectable()
export class LogWriter {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();

  constructor(
    private readonly repository: LogRepository,
    private readonly keys: KeyRing,
  ) {}

  append(tenantId: string, draft: EntryDraft): Promise<CommittedEntry> {
    // A body that cannot be canonicalised fails its own caller here, not the batch it would join.
    const probe = {
      id: draft.id ?? randomUUID(),
      tenantId,
      logIndex: 0,
      time: new Date().toISOString(),
    };
    try {
      canonicalJson(draft.body(probe));
    } catch (error) {
      return Promise.reject(
        error instanceof CanonicalJsonError
          ? new EntryNotSerialisableError(error)
          : (error as Error),
      );
    }
    return new Promise<CommittedEntry>((resolve, reject) => {
      const queue = this.queues.get(tenantId) ?? [];
      queue.push({ draft, resolve, reject });
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

  private commit(tenantId: string, batch: Pending[]): Promise<CommittedEntry[]> {
    return this.repository.appendBatch(tenantId, batch.length, async (firstIndex, time) => {
      const entries: CommittedEntry[] = [];
      const attached: AttachedRow[][] = [];
      const erasures: string[] = [];
      for (const [i, { draft }] of batch.entries()) {
        const slot = { id: draft.id ?? randomUUID(), tenantId, logIndex: firstIndex + i, time };
        const canonical = canonicalJson(draft.body(slot));
        const leaf = leafHash(Buffer.from(canonical, 'utf8'));
        // The key valid at the time the body states, which is what verifiers check.
        const { keyId, signature } = await this.keys.sign(leaf, new Date(time));
        entries.push({
          ...slot,
          kind: draft.kind,
          subjectId: draft.subjectId ?? null,
          canonical,
          leafHash: leaf,
          signature,
          keyId,
        });
        attached.push(draft.attached ?? []);
        if (draft.erasesTextOf) erasures.push(draft.erasesTextOf);
      }
      return { entries, attached, erasures };
    });
  }
}
