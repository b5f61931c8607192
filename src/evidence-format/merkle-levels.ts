import { EMPTY_ROOT, HASH_SIZE, nodeHash } from 'src/evidence-format/merkle';

/**
 * A growing RFC 6962 tree that keeps the hash of every complete, aligned subtree (level k holds
 * the hashes of leaves [i·2^k, (i+1)·2^k)), so that the root, an inclusion proof or a consistency
 * proof of any prefix of the log costs O(log² n) hashes instead of rehashing n leaves. Leaves are
 * appended in log order; nothing is ever removed. Memory: about 2 × 32 bytes per leaf.
 *
 * The algorithms are those of `merkle.ts` (RFC 6962 §2.1), with MTH(D[a:b]) read from the
 * levels wherever the range is a complete subtree: in RFC 6962's recursion the left part of a
 * split is always one (its start is a multiple of its size), so only the right edge is hashed.
 */
export class MerkleLevels {
  private readonly levels: Buffer[] = [Buffer.alloc(0)];
  private count = 0;

  get size(): number {
    return this.count;
  }

  append(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_SIZE) {
      throw new RangeError(`a leaf hash is ${HASH_SIZE} bytes, got ${leafHash.length}`);
    }
    let hash: Buffer = Buffer.from(leafHash);
    let index = this.count;
    for (let level = 0; ; level++) {
      this.put(level, index, hash);
      if (index % 2 === 0) break;
      hash = nodeHash(this.get(level, index - 1), hash);
      index = (index - 1) / 2;
    }
    this.count += 1;
  }

  leaf(index: number): Buffer {
    this.requireIndex(index, this.count);
    return Buffer.from(this.get(0, index));
  }

  /** The root of the tree of the first `size` leaves. */
  root(size = this.count): Buffer {
    this.requireSize(size);
    return size === 0 ? Buffer.from(EMPTY_ROOT) : Buffer.from(this.range(0, size));
  }

  /** PATH(index, D[0:size]): sibling hashes from the leaf up, the lowest first. */
  inclusionProof(index: number, size = this.count): Buffer[] {
    this.requireSize(size);
    this.requireIndex(index, size);
    const proof: Buffer[] = [];
    this.path(index, 0, size, proof);
    return proof;
  }

  /** PROOF(oldSize, D[0:newSize]); empty for oldSize 0 or oldSize = newSize. */
  consistencyProof(oldSize: number, newSize = this.count): Buffer[] {
    this.requireSize(newSize);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > newSize) {
      throw new RangeError(`old size ${oldSize} is outside a tree of ${newSize} leaves`);
    }
    const proof: Buffer[] = [];
    if (oldSize > 0) this.subproof(oldSize, 0, newSize, true, proof);
    return proof;
  }

  /** MTH(D[start:end]) for end > start. */
  private range(start: number, end: number): Buffer {
    const n = end - start;
    if ((n & (n - 1)) === 0 && start % n === 0) {
      return this.get(Math.log2(n), start / n);
    }
    const k = splitPoint(n);
    return nodeHash(this.range(start, start + k), this.range(start + k, end));
  }

  private path(m: number, start: number, end: number, proof: Buffer[]): void {
    const n = end - start;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      this.path(m, start, start + k, proof);
      proof.push(this.range(start + k, end));
    } else {
      this.path(m - k, start + k, end, proof);
      proof.push(this.range(start, start + k));
    }
  }

  private subproof(m: number, start: number, end: number, whole: boolean, proof: Buffer[]) {
    const n = end - start;
    if (m === n) {
      if (!whole) proof.push(this.range(start, end));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      this.subproof(m, start, start + k, whole, proof);
      proof.push(this.range(start + k, end));
    } else {
      this.subproof(m - k, start + k, end, false, proof);
      proof.push(this.range(start, start + k));
    }
  }

  private get(level: number, index: number): Buffer {
    return this.levels[level].subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }

  private put(level: number, index: number, hash: Buffer): void {
    if (this.levels.length <= level) this.levels.push(Buffer.alloc(0));
    let buffer = this.levels[level];
    const needed = (index + 1) * HASH_SIZE;
    if (buffer.length < needed) {
      // Capacity doubles; the live part is copied once per doubling.
      const grown = Buffer.alloc(Math.max(needed, buffer.length * 2, 64 * HASH_SIZE));
      buffer.copy(grown);
      buffer = grown;
      this.levels[level] = grown;
    }
    hash.copy(buffer, index * HASH_SIZE);
  }

  private requireSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.count) {
      throw new RangeError(`tree size ${size} is outside a log of ${this.count} leaves`);
    }
  }

  private requireIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf index ${index} is outside a tree of ${size} leaves`);
    }
  }
}

/** The largest power of two smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
