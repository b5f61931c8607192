import { randomBytes, randomInt } from 'node:crypto';
import { Client } from 'pg';
import { verifyCheckpoint } from 'src/evidence-format/checkpoint';
import { CheckpointView, LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { CommittedEntry } from 'src/log/log.types';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from 'src/evidence-format/merkle';
import { KeyRing } from 'src/signing/key-ring.service';
import { factory } from 'test/support/factory';
import { LogStack, openLogStack, testEntry } from 'test/support/log-stack';
import { createTestApp, TestApp } from 'test/support/test-app';

// The log's promises under load, against the real PostgreSQL: indexes 0..N-1 with no gap and no
// duplicate, every acknowledged entry stored at the index it was acknowledged with, and proofs
// that verify against signed checkpoints (and stop verifying when anything in them changes).
//
// Two LogWriter instances with separate connection pools share the tenant, as two processes
// would: each orders its own callers (group commit), and only the log head's row lock
// (SELECT ... FOR UPDATE in LogRepository.lockHead) orders the two. Without that lock both
// would read the same head size and write the same indexes: the primary key turns the second
// batch into an error, its entries are retried alone and collide again, appends are rejected,
// and the first test below fails on "every append was acknowledged" (and, if the key were
// missing too, on the contiguous-index and verifyLog checks). A writer that handed a caller
// another caller's slot fails "stored at its acknowledged index".

const WRITERS = 8;
const PER_WRITER = 1_000;
/** Appends a writer keeps in flight at once: most wait for each ack; two burst past MAX_BATCH. */
const WINDOW = [1, 1, 1, 1, 1, 1, 300, 300];
const SAMPLE = 200;

interface Ack {
  writer: number;
  entry: CommittedEntry;
}

interface StoredRow {
  log_index: string;
  id: string;
  body: string;
  leaf_hash: Buffer;
  created_at: Date;
}

interface SignedHead {
  size: number;
  root: Buffer;
  view: CheckpointView;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A copy of `hashes` with one bit of element `i` flipped. */
function flipped(hashes: Buffer[], i: number): Buffer[] {
  return hashes.map((h, j) => {
    if (j !== i) return h;
    const copy = Buffer.from(h);
    copy[randomInt(copy.length)] ^= 1 << randomInt(8);
    return copy;
  });
}

describe('the log under concurrent writers', () => {
  let t: TestApp;
  let second: LogStack;
  let owner: Client;
  let log: LogService;
  let keys: KeyRing;
  let tenantId: string;
  let rows: StoredRow[];
  let heads: SignedHead[];
  const acks: Ack[] = [];
  const failures: unknown[] = [];

  /** The signed note's size and root, after checking its signature with the tenant's keys. */
  const signedHead = (view: CheckpointView): SignedHead => {
    const origin = log.origin(tenantId);
    const verified = verifyCheckpoint(
      view.checkpoint,
      keys.keys().map((k) => ({ name: origin, rawPublicKey: keys.rawPublicKey(k.kid) })),
    );
    if (!verified.ok || !verified.checkpoint) {
      throw new Error(`checkpoint does not verify: ${verified.reason}`);
    }
    return { size: verified.checkpoint.size, root: verified.checkpoint.root, view };
  };

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    log = t.app.get(LogService);
    keys = t.app.get(KeyRing);
    tenantId = (await factory(t).newTenant()).id;
    second = await openLogStack({
      databaseUrl: t.database.url,
      signingKeyFile: t.config.SIGNING_KEY_FILE!,
      signingKeyPassphrase: t.config.SIGNING_KEY_PASSPHRASE!,
    });
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();

    const writers = [t.app.get(LogWriter), second.writer];
    const start = Date.now();
    let done = false;
    const loops = Array.from({ length: WRITERS }, async (_, w) => {
      const writer = writers[w % 2];
      for (let sent = 0; sent < PER_WRITER; sent += WINDOW[w]) {
        const n = Math.min(WINDOW[w], PER_WRITER - sent);
        const results = await Promise.allSettled(
          Array.from({ length: n }, (_x, i) =>
            writer.append(tenantId, testEntry(w % 3 ? 'review' : 'access', `w${w}-${sent + i}`)),
          ),
        );
        for (const r of results) {
          if (r.status === 'rejected') failures.push(r.reason);
          else acks.push({ writer: w, entry: r.value });
        }
        if (Math.floor(acks.length / 2000) > Math.floor((acks.length - n) / 2000)) {
          console.log(`${acks.length} entries acknowledged after ${Date.now() - start} ms`);
        }
      }
    });
    // Checkpoints signed while the log grows, for consistency proofs between several sizes.
    const views: CheckpointView[] = [];
    const checkpointer = (async () => {
      while (!done) {
        views.push(await log.issueCheckpoint(tenantId));
        await sleep(400);
      }
    })();
    await Promise.all(loops);
    const seconds = (Date.now() - start) / 1000;
    done = true;
    await checkpointer;
    views.push(await log.issueCheckpoint(tenantId));
    console.log(
      `${acks.length} entries from ${WRITERS} writers (2 LogWriters, 2 pools) in ${seconds.toFixed(
        2,
      )} s: ${Math.round(acks.length / seconds)} entries/s; checkpoints at sizes ${views
        .map((v) => v.size)
        .join(', ')}`,
    );
    heads = views.map(signedHead);
    rows = (
      await owner.query<StoredRow>(
        `SELECT log_index, id, body, leaf_hash, created_at FROM log_entries
          WHERE tenant_id = $1 ORDER BY log_index`,
        [tenantId],
      )
    ).rows;
  });
  afterAll(async () => {
    await owner?.end();
    await second?.close();
    await t?.close();
  });

  it('acknowledges every append, each at its own index, with no gap and no duplicate', async () => {
    expect({ rejected: failures.length, first: failures.slice(0, 3).map(String) }).toEqual({
      rejected: 0,
      first: [],
    });
    expect(acks).toHaveLength(WRITERS * PER_WRITER);
    const n = rows.length;
    expect(n).toBe(WRITERS * PER_WRITER);
    // The table holds exactly 0..N-1 (the primary key rules out duplicates; this rules out gaps).
    expect(rows.every((r, i) => Number(r.log_index) === i)).toBe(true);
    const head = await owner.query<{ size: string }>(
      `SELECT size FROM log_heads WHERE tenant_id = $1`,
      [tenantId],
    );
    expect(Number(head.rows[0].size)).toBe(n);
    // Every acknowledgement names a different index, and the row there is the acknowledged entry.
    expect(new Set(acks.map((a) => a.entry.logIndex)).size).toBe(acks.length);
    const wrong = acks.filter(({ entry }) => {
      const row = rows[entry.logIndex];
      return (
        row?.id !== entry.id ||
        !row.leaf_hash.equals(entry.leafHash) ||
        row.body !== entry.canonical ||
        row.created_at.toISOString() !== entry.time
      );
    });
    expect(wrong.map((a) => a.entry.id)).toEqual([]);
    // Each caller's own entries carry its own notes, in the order it sent them.
    for (let w = 0; w < WRITERS; w++) {
      const notes = acks
        .filter((a) => a.writer === w)
        .sort((a, b) => a.entry.logIndex - b.entry.logIndex)
        .map((a) => (JSON.parse(a.entry.canonical) as { note: string }).note);
      expect(new Set(notes).size).toBe(PER_WRITER);
      if (WINDOW[w] === 1) {
        expect(notes).toEqual(Array.from({ length: PER_WRITER }, (_, i) => `w${w}-${i}`));
      }
    }
  });

  it('verifies in full, and the signed root is the root of the leaves rehashed from the bodies', async () => {
    expect(await log.verifyLog(tenantId)).toEqual({ size: rows.length, problem: null });
    const leaves = rows.map((r) => leafHash(Buffer.from(r.body, 'utf8')));
    for (const head of heads) {
      expect(rootOf(leaves.slice(0, head.size)).equals(head.root)).toBe(true);
    }
    expect(heads[heads.length - 1].size).toBe(rows.length);
    expect(new Set(heads.map((h) => h.size)).size).toBeGreaterThanOrEqual(3);
  });

  it(`proves the inclusion of ${SAMPLE} sampled entries, the first and the last`, async () => {
    const latest = heads[heads.length - 1];
    const sample = new Set([0, latest.size - 1]);
    while (sample.size < SAMPLE + 2) sample.add(randomInt(latest.size));
    for (const index of sample) {
      const row = rows[index];
      const proof = await log.inclusionProof(tenantId, row.id, latest.size);
      expect([proof.logIndex, proof.treeSize, proof.checkpoint]).toEqual([
        index,
        latest.size,
        latest.view.checkpoint,
      ]);
      const ok = verifyInclusion({
        // The leaf as an auditor would compute it: from the stored body, not the stored hash.
        leafHash: leafHash(Buffer.from(row.body, 'utf8')),
        index,
        treeSize: latest.size,
        proof: proof.hashes.map((h) => Buffer.from(h, 'base64')),
        root: latest.root,
      });
      if (!ok) throw new Error(`inclusion proof of index ${index} does not verify`);
    }
    // An older signed head proves its own entries too.
    const older = heads[Math.floor(heads.length / 2)];
    for (const index of [0, older.size - 1, randomInt(older.size)]) {
      const proof = await log.inclusionProof(tenantId, rows[index].id, older.size);
      expect(
        verifyInclusion({
          leafHash: rows[index].leaf_hash,
          index,
          treeSize: older.size,
          proof: proof.hashes.map((h) => Buffer.from(h, 'base64')),
          root: older.root,
        }),
      ).toBe(true);
    }
  });

  it('proves every signed head consistent with every later one', async () => {
    const sizes = heads.map((h) => h.size);
    const pairs: [SignedHead, SignedHead][] = [];
    for (let i = 0; i + 1 < heads.length; i++) {
      pairs.push([heads[i], heads[i + 1]], [heads[i], heads[heads.length - 1]]);
    }
    for (const [older, newer] of pairs) {
      const proof = await log.consistencyProof(tenantId, older.size, newer.size);
      expect([proof.oldCheckpoint, proof.newCheckpoint]).toEqual([
        older.view.checkpoint,
        newer.view.checkpoint,
      ]);
      const ok = verifyConsistency({
        oldSize: older.size,
        newSize: newer.size,
        oldRoot: older.root,
        newRoot: newer.root,
        proof: proof.hashes.map((h) => Buffer.from(h, 'base64')),
      });
      if (!ok) throw new Error(`consistency ${older.size} -> ${newer.size} does not verify`);
    }
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  it('rejects inclusion proofs with a hash flipped, cut short, extended or at the wrong index', async () => {
    const latest = heads[heads.length - 1];
    for (const index of [0, 1, 4_097, latest.size - 2, latest.size - 1, randomInt(latest.size)]) {
      const proof = await log.inclusionProof(tenantId, rows[index].id, latest.size);
      const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
      const claim = {
        leafHash: rows[index].leaf_hash,
        index,
        treeSize: latest.size,
        proof: hashes,
        root: latest.root,
      };
      expect(verifyInclusion(claim)).toBe(true);
      const mutants = [
        ...hashes.map((_, i) => ({ ...claim, proof: flipped(hashes, i) })),
        { ...claim, proof: hashes.slice(0, -1) },
        { ...claim, proof: hashes.slice(1) },
        { ...claim, proof: [...hashes, randomBytes(32)] },
        { ...claim, proof: [...hashes, hashes[hashes.length - 1]] },
        { ...claim, index: index + 1 },
        { ...claim, index: index - 1 },
        { ...claim, leafHash: flipped([rows[index].leaf_hash], 0)[0] },
        { ...claim, root: flipped([latest.root], 0)[0] },
      ];
      const accepted = mutants.filter((m) => verifyInclusion(m));
      expect({ index, accepted: accepted.length }).toEqual({ index, accepted: 0 });
    }
  });

  it('rejects consistency proofs with a hash flipped, cut short or extended', async () => {
    const [older, newer] = [heads[Math.floor(heads.length / 2)], heads[heads.length - 1]];
    const proof = await log.consistencyProof(tenantId, older.size, newer.size);
    const hashes = proof.hashes.map((h) => Buffer.from(h, 'base64'));
    const claim = {
      oldSize: older.size,
      newSize: newer.size,
      oldRoot: older.root,
      newRoot: newer.root,
      proof: hashes,
    };
    expect(verifyConsistency(claim)).toBe(true);
    const mutants = [
      ...hashes.map((_, i) => ({ ...claim, proof: flipped(hashes, i) })),
      { ...claim, proof: hashes.slice(0, -1) },
      { ...claim, proof: [...hashes, randomBytes(32)] },
      { ...claim, oldRoot: newer.root, newRoot: older.root },
      { ...claim, oldSize: older.size + 1 },
    ];
    expect(mutants.filter((m) => verifyConsistency(m))).toHaveLength(0);
  });
});
