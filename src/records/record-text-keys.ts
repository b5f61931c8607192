import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LogWriter } from 'src/log/log-writer';
import { StoredTextKey, TextKeysRepository } from 'src/records/text-keys.repository';
import { parseKekId, scopeOf, TextKeyProvider } from 'src/text-keys/text-key-provider';

/** A record's data key wrapped by the text-key store, as a new key row holds it. */
export interface WrappedTextKey {
  kekId: string;
  wrapped: Buffer;
}

const PLAIN_BATCH = 1_000;

/**
 * Records' text keys and the store that wraps them (src/text-keys). Every data key is stored
 * wrapped under the KEK of its tenant and UTC day. Erasing a record deletes its key row and
 * rotates its day's KEK: the day's other keys are re-wrapped under the new generation in the
 * erasure's transaction, and the old generation is destroyed once that transaction committed,
 * so a database backup taken before the erasure holds the erased text's key only wrapped under a
 * KEK that no longer exists anywhere. The price, stated in docs/SECURITY.md: restoring such a
 * backup also loses the texts of that tenant's other records of that day (their bodies and
 * proofs stay whole).
 *
 * Wraps and rotations run inside the log's append transaction of the tenant, which holds the
 * log head's row lock, so a new key is never wrapped under a generation being retired.
 */
@Injectable()
export class RecordTextKeys implements OnApplicationBootstrap {
  private readonly logger = new Logger(RecordTextKeys.name);

  constructor(
    private readonly store: TextKeyProvider,
    private readonly keys: TextKeysRepository,
    private readonly writer: LogWriter,
  ) {}

  /** Wraps new records' data keys (in their entries' transaction), in the order given. */
  async wrap(
    tenantId: string,
    records: readonly { id: string; createdAt: string | Date; dataKey: Buffer }[],
  ): Promise<WrappedTextKey[]> {
    const out = new Array<WrappedTextKey>(records.length);
    const byDay = new Map<string, number[]>();
    records.forEach((r, i) => {
      const { day } = scopeOf(tenantId, new Date(r.createdAt).toISOString());
      byDay.set(day, [...(byDay.get(day) ?? []), i]);
    });
    for (const [day, indexes] of byDay) {
      const { kekId, wrapped } = await this.store.wrap(
        { tenantId, day },
        indexes.map((i) => ({ recordId: records[i].id, dataKey: records[i].dataKey })),
      );
      indexes.forEach((i, j) => (out[i] = { kekId, wrapped: wrapped[j] }));
    }
    return out;
  }

  /**
   * The record's data key: null when its text was erased (no key row) or its KEK is gone.
   * Throws when the wrapped key was altered.
   */
  async open(recordId: string, key: StoredTextKey | null): Promise<Buffer | null> {
    if (!key) return null;
    if (key.dataKey) return key.dataKey;
    if (!key.kekId || !key.wrapped) return null;
    return this.store.unwrap(key.kekId, recordId, key.wrapped);
  }

  /**
   * In an erasure entry's transaction: deletes the records' key rows and rotates the KEK of each
   * erased record's day, re-wrapping the day's remaining keys under the new generation. Returns
   * the ids that had a key to delete. Call `destroyRetired` after the commit.
   */
  async erase(tenantId: string, recordIds: readonly string[]): Promise<string[]> {
    const found = await this.keys.of(tenantId, recordIds);
    const rotated = new Set<string>();
    for (const { kekId } of found) {
      const scope = kekId && parseKekId(kekId);
      if (!scope || rotated.has(scope.day)) continue;
      rotated.add(scope.day);
      const newest = await this.store.rotate(kekId);
      const older = (await this.store.list(tenantId))
        .filter((k) => k.kekId !== newest && parseKekId(k.kekId)?.day === scope.day)
        .map((k) => k.kekId);
      const others = await this.keys.under(tenantId, older, recordIds);
      const opened = await Promise.all(others.map((k) => this.open(k.recordId, k)));
      const readable = others.flatMap((k, i) => {
        const dataKey = opened[i];
        return dataKey ? [{ id: k.recordId, createdAt: k.createdAt, dataKey }] : [];
      });
      const wrapped = await this.wrap(tenantId, readable);
      await this.keys.rewrap(
        tenantId,
        readable.map((r, i) => ({ recordId: r.id, ...wrapped[i] })),
      );
    }
    return this.keys.delete(tenantId, recordIds);
  }

  /**
   * Destroys the tenant's retired KEKs that no key row names any more: after an erasure
   * committed, and at start-up for one that crashed before this step. A retired KEK still named
   * (its erasure rolled back) is kept; the next erasure of its day moves its keys and ends it.
   */
  async destroyRetired(tenantId: string): Promise<string[]> {
    const retired = (await this.store.list(tenantId)).filter((k) => !k.newest).map((k) => k.kekId);
    if (retired.length === 0) return [];
    const named = await this.keys.referenced(tenantId, retired);
    const unused = retired.filter((k) => !named.has(k));
    for (const kekId of unused) await this.store.destroy(kekId);
    return unused;
  }

  /** Wraps the tenant's keys stored plain before the text-key store; returns how many. */
  async wrapPlain(tenantId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await this.writer.underHeadLock(tenantId, async () => {
        const plain = (await this.keys.plain(tenantId, PLAIN_BATCH)).flatMap((k) =>
          k.dataKey ? [{ ...k, dataKey: k.dataKey }] : [],
        );
        const wrapped = await this.wrap(
          tenantId,
          plain.map((k) => ({ id: k.recordId, createdAt: k.createdAt, dataKey: k.dataKey })),
        );
        await this.keys.rewrap(
          tenantId,
          plain.map((k, i) => ({ recordId: k.recordId, ...wrapped[i] })),
        );
        return plain.length;
      });
      total += moved;
      if (moved < PLAIN_BATCH) return total;
    }
  }

  /**
   * At start-up: wrap keys left plain by an earlier version, and finish the destruction of
   * KEKs whose erasure committed just before a crash. A failure is logged, never fatal: the
   * texts stay readable, and the next start or erasure tries again.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const tenantId of await this.keys.tenants()) {
        const wrapped = await this.wrapPlain(tenantId);
        const destroyed = await this.destroyRetired(tenantId);
        if (wrapped > 0 || destroyed.length > 0) {
          this.logger.log(
            `tenant ${tenantId}: wrapped ${wrapped} plain text keys, destroyed ${destroyed.length} retired KEKs`,
          );
        }
      }
    } catch (error) {
      this.logger.warn(`text keys: start-up pass failed: ${(error as Error).message}`);
    }
  }
}
