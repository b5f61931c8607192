import { Injectable } from '@nestjs/common';
import { AppConfig } from 'src/config/app-config';
import { DomainError, NotFoundError } from 'src/common/domain-error';
import { checkpointBody, signNote, verifyCheckpoint } from 'src/evidence-format/checkpoint';
import { LogRepository, StoredCheckpoint } from 'src/log/log.repository';
import { LogEntryKind } from 'src/evidence-format/entry';
import { CommittedEntry, LogAuditor, LogVerification } from 'src/log/log.types';
import { leafHash } from 'src/evidence-format/merkle';
import { MerkleLevels } from 'src/evidence-format/merkle-levels';
import { KeyRing } from 'src/signing/key-ring.service';

/** Leaves read per query when a tree catches up with the database. */
const SYNC_PAGE = 50_000;
/** Whole entries (bodies of several kB) read per query when the log is verified. */
const ENTRY_PAGE = 2_000;
/** Problems one verification lists at most. */
const MAX_PROBLEMS = 100;

export interface CheckpointView {
  origin: string;
  size: number;
  root: string;
  /** The C2SP signed note, exactly as signed. */
  checkpoint: string;
  createdAt: string;
}

export interface InclusionProofView {
  logIndex: number;
  treeSize: number;
  leafHash: string;
  hashes: string[];
  checkpoint: string;
}

export interface ConsistencyProofView {
  oldSize: number;
  newSize: number;
  hashes: string[];
  oldCheckpoint: string;
  newCheckpoint: string;
}

/** An RFC 3339 time with milliseconds, written to the microsecond as PostgreSQL stores it. */
export function microseconds(time: string): string {
  return time.replace(/(\.\d{3})Z$/, '$1000Z');
}

export class CheckpointNotFoundError extends DomainError {
  constructor(size: number) {
    super(
      'not_found',
      'checkpoint_not_found',
      `no signed checkpoint of size ${size}: use a size from GET /v1/log/checkpoints`,
    );
  }
}

/**
 * The tenants' logs as Merkle trees: signed checkpoints, inclusion and consistency proofs, and
 * full verification. Each tenant's tree is kept in memory (2 × 32 bytes per leaf) and catches up
 * with the database before it answers, so entries appended by other processes are included.
 */
@Injectable()
export class LogService {
  private readonly trees = new Map<string, MerkleLevels>();
  private readonly syncs = new Map<string, Promise<MerkleLevels>>();
  private readonly issuing = new Map<string, Promise<CheckpointView>>();
  private readonly auditors: LogAuditor[] = [];

  constructor(
    private readonly repository: LogRepository,
    private readonly keys: KeyRing,
    private readonly config: AppConfig,
  ) {}

  /** Adds a domain's check of its own rows to whole-log verification (see `verify`). */
  addAuditor(auditor: LogAuditor): void {
    this.auditors.push(auditor);
  }

  entry(tenantId: string, id: string): Promise<CommittedEntry | undefined> {
    return this.repository.findEntryById(tenantId, id);
  }

  /** Every entry about an earlier one (reviews, erasures, reads), in log order. */
  entriesAbout(tenantId: string, subjectId: string): Promise<CommittedEntry[]> {
    return this.repository.listEntriesAbout(tenantId, subjectId);
  }

  /** The entries about an earlier one for display: all but reads, the latest `reads` reads. */
  entriesAboutForDisplay(
    tenantId: string,
    subjectId: string,
    reads: number,
  ): Promise<{ entries: CommittedEntry[]; accessCount: number }> {
    return this.repository.listEntriesAboutForDisplay(tenantId, subjectId, reads);
  }

  /** Entries of one kind after `afterIndex` (-1: from the start), in log order. */
  /** The entries about any of these subjects below index `before` (a report's checkpoint). */
  entriesAboutMany(tenantId: string, subjectIds: readonly string[], before: number) {
    return this.repository.listEntriesAboutMany(tenantId, subjectIds, before);
  }

  /** A keyset page of the entries of some kinds committed in a period (LogRepository). */
  entriesOfKindsBetween(
    tenantId: string,
    page: Parameters<LogRepository['listEntriesOfKindsBetween']>[1],
  ): Promise<CommittedEntry[]> {
    return this.repository.listEntriesOfKindsBetween(tenantId, page);
  }

  entriesOfKind(
    tenantId: string,
    kind: LogEntryKind,
    afterIndex: number,
    limit: number,
  ): Promise<CommittedEntry[]> {
    return this.repository.listEntriesOfKind(tenantId, kind, afterIndex, limit);
  }

  /**
   * The tenant's whole evidence re-verified: the log (`verifyLog`), then each domain's rows
   * against the signed bodies they copy. Every problem names the entry or record.
   */
  async verify(
    tenantId: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<LogVerification> {
    const problems: string[] = [];
    const logged = await this.verifyLog(tenantId, onProgress);
    if (logged.problem) problems.push(logged.problem);
    const counts: Record<string, number> = {};
    for (const auditor of this.auditors) {
      const audited = await auditor.audit(tenantId, MAX_PROBLEMS - problems.length);
      counts[auditor.name] = audited.checked;
      problems.push(...audited.problems);
    }
    return { size: logged.size, ...counts, problems: problems.slice(0, MAX_PROBLEMS) };
  }

  /** `<LOG_ORIGIN>/<tenant id>`: the checkpoint origin and the note key name of a tenant's log. */
  origin(tenantId: string): string {
    return `${this.config.LOG_ORIGIN}/${tenantId}`;
  }

  /**
   * Signs and stores a checkpoint of the log as it is now (or returns the stored one). Requests
   * that arrive while one is being signed for the tenant share it rather than each signing one.
   */
  issueCheckpoint(tenantId: string): Promise<CheckpointView> {
    const running = this.issuing.get(tenantId);
    if (running) return running;
    const issued = this.signCheckpoint(tenantId).finally(() => this.issuing.delete(tenantId));
    this.issuing.set(tenantId, issued);
    return issued;
  }

  private async signCheckpoint(tenantId: string): Promise<CheckpointView> {
    const size = await this.repository.findHeadSize(tenantId);
    // A cached tree longer than the table, or whose last leaf the table no longer holds, belongs
    // to a history the database lost (a restore, a failover): rebuild it from the table.
    const cached = this.trees.get(tenantId);
    if (cached && (cached.size > size || !(await this.cachedLeafStillStored(tenantId, cached)))) {
      this.trees.delete(tenantId);
    }
    const tree = await this.tree(tenantId, size);
    const root = tree.root(size);
    // Never sign a history that does not extend the last one signed.
    const previous = await this.repository.findCheckpoint(tenantId);
    if (previous && (previous.size > size || !tree.root(previous.size).equals(previous.root))) {
      throw new Error(
        `refusing to sign a checkpoint of tenant ${tenantId}: the log of size ${size} does not extend the signed checkpoint of size ${previous.size}`,
      );
    }
    const origin = this.origin(tenantId);
    const body = checkpointBody(origin, size, root);
    const { keyId, signature } = await this.keys.sign(Buffer.from(body, 'utf8'));
    const note = signNote(body, origin, () => signature, this.keys.rawPublicKey(keyId));
    const stored = await this.repository.insertCheckpoint(tenantId, { size, root, note });
    return this.view(tenantId, stored);
  }

  /** The latest signed checkpoint; one is issued when the log has none yet. */
  async latestCheckpoint(tenantId: string): Promise<CheckpointView> {
    const stored = await this.repository.findCheckpoint(tenantId);
    return stored ? this.view(tenantId, stored) : this.issueCheckpoint(tenantId);
  }

  async checkpointOfSize(tenantId: string, size: number): Promise<CheckpointView> {
    const stored = await this.repository.findCheckpoint(tenantId, size);
    if (!stored) throw new CheckpointNotFoundError(size);
    return this.view(tenantId, stored);
  }

  /**
   * The inclusion proof of an entry against a signed checkpoint: the given size, or the latest
   * checkpoint (a fresh one when the entry is newer than it).
   */
  async inclusionProof(
    tenantId: string,
    entryId: string,
    size?: number,
  ): Promise<InclusionProofView> {
    const entry = await this.repository.findEntryById(tenantId, entryId);
    if (!entry) throw new NotFoundError('log_entry', entryId);
    let checkpoint =
      size === undefined
        ? await this.latestCheckpoint(tenantId)
        : await this.checkpointOfSize(tenantId, size);
    // A shared signing already under way may predate the entry: then one more round has it.
    for (
      let round = 0;
      size === undefined && checkpoint.size <= entry.logIndex && round < 2;
      round++
    ) {
      checkpoint = await this.issueCheckpoint(tenantId);
    }
    if (checkpoint.size <= entry.logIndex) {
      throw new DomainError(
        'validation_failed',
        'entry_after_checkpoint',
        `entry ${entryId} is at index ${entry.logIndex}, after the checkpoint of size ${checkpoint.size}`,
      );
    }
    const tree = await this.tree(tenantId, checkpoint.size);
    return {
      logIndex: entry.logIndex,
      treeSize: checkpoint.size,
      leafHash: entry.leafHash.toString('base64'),
      hashes: tree.inclusionProof(entry.logIndex, checkpoint.size).map((h) => h.toString('base64')),
      checkpoint: checkpoint.checkpoint,
    };
  }

  /**
   * Inclusion proofs of many entries against the checkpoint of `size` (which must be signed):
   * the audit path of each index, from the tree kept in memory, without a query per entry.
   */
  async inclusionPaths(
    tenantId: string,
    size: number,
    indexes: readonly number[],
  ): Promise<Buffer[][]> {
    await this.checkpointOfSize(tenantId, size);
    const tree = await this.tree(tenantId, size);
    return indexes.map((index) => {
      if (!Number.isInteger(index) || index < 0 || index >= size) {
        throw new Error(`index ${index} is not in a tree of size ${size}`);
      }
      return tree.inclusionProof(index, size);
    });
  }

  /** The consistency proof between two signed checkpoints (the log only grew). */
  async consistencyProof(
    tenantId: string,
    oldSize: number,
    newSize: number,
  ): Promise<ConsistencyProofView> {
    if (oldSize > newSize) {
      throw new DomainError(
        'validation_failed',
        'sizes_out_of_order',
        `from (${oldSize}) must not be larger than to (${newSize})`,
      );
    }
    const [older, newer] = await Promise.all([
      this.checkpointOfSize(tenantId, oldSize),
      this.checkpointOfSize(tenantId, newSize),
    ]);
    const tree = await this.tree(tenantId, newSize);
    return {
      oldSize,
      newSize,
      hashes: tree.consistencyProof(oldSize, newSize).map((h) => h.toString('base64')),
      oldCheckpoint: older.checkpoint,
      newCheckpoint: newer.checkpoint,
    };
  }

  /**
   * Re-derives every leaf hash of the log from its stored canonical body and its signature, and
   * the root of the latest checkpoint from the leaves. Returns the first problem, naming the
   * entry, or null when the whole log verifies.
   */
  async verifyLog(
    tenantId: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ size: number; problem: string | null }> {
    const checkpoints = await this.repository.listCheckpoints(tenantId);
    const size = await this.repository.findHeadSize(tenantId);
    const tree = new MerkleLevels();
    for (let from = 0; from < size; from += ENTRY_PAGE) {
      const entries = await this.repository.listEntries(
        tenantId,
        from,
        Math.min(size, from + ENTRY_PAGE),
      );
      for (const entry of entries) {
        const problem = this.entryProblem(entry, tree.size);
        if (problem) return { size, problem };
        tree.append(entry.leafHash);
      }
      onProgress?.(tree.size, size);
    }
    if (tree.size !== size) {
      return { size, problem: `the log head says ${size} entries, the table holds ${tree.size}` };
    }
    for (const checkpoint of checkpoints) {
      if (checkpoint.size > tree.size) {
        return {
          size,
          problem: `checkpoint of size ${checkpoint.size}: the log holds ${tree.size}`,
        };
      }
      const problem = this.checkpointProblem(tenantId, checkpoint, tree.root(checkpoint.size));
      if (problem) return { size, problem };
    }
    return { size, problem: null };
  }

  /** A stored checkpoint's note must be signed by our key, and say what its columns and the leaves say. */
  private checkpointProblem(
    tenantId: string,
    stored: StoredCheckpoint,
    root: Buffer,
  ): string | null {
    const name = `checkpoint of size ${stored.size}`;
    const origin = this.origin(tenantId);
    const keys = this.keys.keys().map((k) => ({ name: origin, rawPublicKey: k.publicKey }));
    const verified = verifyCheckpoint(stored.note, keys);
    if (!verified.ok || !verified.checkpoint) {
      return `${name}: its note does not verify (${verified.reason ?? 'no signature'})`;
    }
    const note = verified.checkpoint;
    if (note.origin !== origin) return `${name}: its note names the log ${note.origin}`;
    if (note.size !== stored.size || !note.root.equals(stored.root)) {
      return `${name}: its note and its columns differ`;
    }
    if (!root.equals(stored.root)) return `${name}: its root is not the root of the stored leaves`;
    return null;
  }

  /** What is wrong with one stored entry, naming it; null when it verifies. */
  entryProblem(entry: CommittedEntry, expectedIndex: number): string | null {
    const name = `entry ${entry.id} (index ${entry.logIndex})`;
    if (entry.logIndex !== expectedIndex) return `${name}: expected index ${expectedIndex}`;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(entry.canonical) as Record<string, unknown>;
    } catch {
      return `${name}: its body is not JSON`;
    }
    if (!leafHash(Buffer.from(entry.canonical, 'utf8')).equals(entry.leafHash)) {
      return `${name}: its body does not hash to its leaf hash`;
    }
    const fields: [string, unknown][] = [
      ['id', entry.id],
      ['tenant', entry.tenantId],
      ['logIndex', entry.logIndex],
      ['kind', entry.kind],
      ['time', entry.time],
    ];
    for (const [field, stored] of fields) {
      if (body[field] !== stored) return `${name}: its ${field} column differs from its body`;
    }
    // An entry is about a record (reviews, erasures, reads) or a report (builds, downloads).
    const about = (body.record ?? body.report) as { id?: unknown } | undefined;
    const subject = about?.id ?? null;
    if (entry.kind === 'record' ? entry.subjectId !== null : subject !== entry.subjectId) {
      return `${name}: its subject_id column differs from the record its body names`;
    }
    // To the microsecond, as stored: a body time has milliseconds, so the rest must be zero.
    if (entry.storedTime !== undefined && entry.storedTime !== microseconds(entry.time)) {
      return `${name}: its created_at column differs from its body`;
    }
    if (!this.keys.verify(entry.keyId, entry.leafHash, entry.signature, new Date(entry.time))) {
      return `${name}: its signature does not verify with key ${entry.keyId}`;
    }
    return null;
  }

  private async cachedLeafStillStored(tenantId: string, tree: MerkleLevels): Promise<boolean> {
    if (tree.size === 0) return true;
    const [stored] = await this.repository.listLeafHashes(tenantId, tree.size - 1, tree.size);
    return stored?.equals(tree.leaf(tree.size - 1)) ?? false;
  }

  /** The tenant's tree, caught up with the database to at least `size` leaves. */
  private async tree(tenantId: string, size: number): Promise<MerkleLevels> {
    const current = this.trees.get(tenantId);
    if (current && current.size >= size) return current;
    const running = this.syncs.get(tenantId);
    if (running) {
      await running;
      return this.tree(tenantId, size);
    }
    const sync = (async () => {
      const tree = this.trees.get(tenantId) ?? new MerkleLevels();
      while (tree.size < size) {
        const to = Math.min(size, tree.size + SYNC_PAGE);
        const hashes = await this.repository.listLeafHashes(tenantId, tree.size, to);
        if (hashes.length !== to - tree.size) {
          throw new Error(`log of tenant ${tenantId} has a gap before index ${to}`);
        }
        hashes.forEach((h) => tree.append(h));
      }
      this.trees.set(tenantId, tree);
      return tree;
    })();
    this.syncs.set(tenantId, sync);
    try {
      return await sync;
    } finally {
      this.syncs.delete(tenantId);
    }
  }

  private view(tenantId: string, stored: StoredCheckpoint): CheckpointView {
    return {
      origin: this.origin(tenantId),
      size: stored.size,
      root: stored.root.toString('base64'),
      checkpoint: stored.note,
      createdAt: stored.createdAt.toISOString(),
    };
  }
}
