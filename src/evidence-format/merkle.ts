import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 §2.1 (restated in RFC 9162 §2.1) over SHA-256, which is the
 * foundation of the tamper-evident audit log: every entry is a leaf, a signed root commits to
 * every entry so far, an inclusion proof shows that one entry is in the tree, and a consistency
 * proof shows that a later tree extends an earlier one without rewriting it.
 *
 * The proof generators below work from the full list of leaf hashes. They are reference
 * implementations that follow the recursive definitions of RFC 6962 literally; a version that
 * reads stored subtree hashes instead of rehashing every leaf comes later and must produce the
 * same proofs.
 *
 * The verifiers follow the iterative algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
 * They never throw: anything malformed, inconsistent or unexpected makes them return false.
 */

/** The size in bytes of every hash in the tree (SHA-256). */
export const HASH_SIZE = 32;

/** Domain separation (RFC 6962 §2.1): leaves and interior nodes can never hash alike. */
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The hash of a leaf: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** The hash of an interior node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/**
 * The root of the empty tree, which is the SHA-256 of the empty string. Buffers cannot be
 * frozen, so treat this one as read-only; `rootOf([])` returns a fresh copy.
 */
export const EMPTY_ROOT: Buffer = createHash('sha256').digest();

/**
 * The Merkle Tree Hash (MTH) of RFC 6962 §2.1 over the given leaf hashes, in order. The tree
 * splits n > 1 leaves at k, the largest power of two smaller than n, and hashes the two parts.
 * Throws a RangeError when a leaf hash is not 32 bytes.
 */
export function rootOf(leafHashes: readonly Uint8Array[]): Buffer {
  requireLeafHashes(leafHashes);
  if (leafHashes.length === 0) return Buffer.from(EMPTY_ROOT);
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

/**
 * The inclusion proof (audit path) for the leaf at `index`, following PATH(m, D[n]) of
 * RFC 6962 §2.1.1: the sibling hashes from the leaf up to the root, the lowest first.
 * Throws a RangeError when the index is not an integer in [0, n) or a leaf hash is malformed.
 */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Buffer[] {
  requireLeafHashes(leafHashes);
  if (!Number.isSafeInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leafHashes.length} leaves`);
  }
  const proof: Buffer[] = [];
  auditPath(leafHashes, index, 0, leafHashes.length, proof);
  return proof;
}

/**
 * The consistency proof between the tree of the first `oldSize` leaves and the tree of all of
 * them, following PROOF(m, D[n]) and SUBPROOF of RFC 6962 §2.1.2.
 *
 * RFC 6962 only defines proofs for 0 < m ≤ n. This module also accepts m = 0 and returns an
 * empty proof, because the empty tree is a prefix of every tree (see `verifyConsistency`). The
 * proof for m = n is empty, as the RFC defines it. Throws a RangeError when oldSize is not an
 * integer in [0, n] or a leaf hash is malformed.
 */
export function consistencyProof(leafHashes: readonly Uint8Array[], oldSize: number): Buffer[] {
  requireLeafHashes(leafHashes);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > leafHashes.length) {
    throw new RangeError(`old size ${oldSize} is outside a tree of ${leafHashes.length} leaves`);
  }
  const proof: Buffer[] = [];
  if (oldSize > 0) subproof(leafHashes, oldSize, 0, leafHashes.length, true, proof);
  return proof;
}

/** What an inclusion proof claims: the leaf with this hash is at `index` in the tree `root`. */
export interface InclusionClaim {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: readonly Uint8Array[];
  root: Uint8Array;
}

/**
 * Verifies an inclusion proof with the algorithm of RFC 9162 §2.1.3.2. It returns false, and
 * never throws, when the index is not below the tree size, a size is not a non-negative safe
 * integer, a hash is not 32 bytes, the proof is too short or too long (every element must be
 * used, and the walk must end exactly at the root, sn = 0), or the computed root differs.
 *
 * The tree size only shapes the walk up the tree; what binds it is the root. Take the size and
 * the root together from the same signed tree head: a proof can also verify for another size
 * whose tree has the same shape along the path, but only against the root it was made for.
 */
export function verifyInclusion(claim: InclusionClaim): boolean {
  try {
    return checkInclusion(claim);
  } catch {
    // Fail closed: input that is malformed in a way not foreseen below (a getter that throws,
    // a proxy) is not a proof.
    return false;
  }
}

function checkInclusion(claim: InclusionClaim): boolean {
  const { leafHash: hash, index, treeSize, proof, root } = claim;
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  if (!isHash(hash) || !isHash(root) || !isProof(proof)) return false;

  // The variable names follow the RFC: fn is the leaf's position and sn the last position at
  // the current level; r is the hash computed so far.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = hash;
  for (const p of proof) {
    // The walk has reached the root but the proof has elements left: too long.
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // A right-most node without a sibling moves up unchanged until it is a right child.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // sn is 0 only when the walk ended at the root: a shorter proof fails here.
  return sn === 0 && equalBytes(r, root);
}

/** What a consistency proof claims: the tree `newRoot` extends the tree `oldRoot`. */
export interface ConsistencyClaim {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}

/**
 * Verifies a consistency proof with the algorithm of RFC 9162 §2.1.4.2, which covers
 * 0 < oldSize < newSize. The cases around it are decided as follows.
 *
 * - oldSize > newSize, or a size that is not a non-negative safe integer: false.
 * - oldSize = newSize: true only for an empty proof and equal roots (a tree is consistent
 *   with itself and nothing else), and for size 0 the roots must be the empty root.
 * - oldSize = 0 < newSize: true only for an empty proof and an oldRoot equal to the empty
 *   root. The empty tree is a prefix of every tree, so there is nothing to prove; newRoot is
 *   only checked to be 32 bytes and must be vouched for by other means (its signed tree head).
 *
 * It returns false, and never throws, for any hash that is not 32 bytes and for a proof that is
 * too short or too long: every element must be used and the walk must end at the root (sn = 0).
 */
export function verifyConsistency(claim: ConsistencyClaim): boolean {
  try {
    return checkConsistency(claim);
  } catch {
    // Fail closed, as in verifyInclusion.
    return false;
  }
}

function checkConsistency(claim: ConsistencyClaim): boolean {
  const { oldSize, newSize, oldRoot, newRoot, proof } = claim;
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false;

  if (oldSize === newSize) {
    const emptyOk = oldSize > 0 || equalBytes(oldRoot, EMPTY_ROOT);
    return proof.length === 0 && equalBytes(oldRoot, newRoot) && emptyOk;
  }
  if (oldSize === 0) return proof.length === 0 && equalBytes(oldRoot, EMPTY_ROOT);

  // Step 1: an empty proof cannot link two different trees.
  if (proof.length === 0) return false;
  // Step 2: when the old tree is a complete subtree, its root is the first node of the path
  // and the proof leaves it out, because the verifier already has it.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  // Steps 3 and 4: start at the old tree's last leaf, and move up while it is a right child.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5: fr rebuilds the old root and sr the new one, both from the first node.
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  // Step 6.
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/** MTH(D[start:end]) for end > start, by the recursive definition. */
function subtreeRoot(leaves: readonly Uint8Array[], start: number, end: number): Buffer {
  const n = end - start;
  if (n === 1) return Buffer.from(leaves[start]);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, start, start + k), subtreeRoot(leaves, start + k, end));
}

/** PATH(m, D[start:end]), appended to `out` lowest node first. */
function auditPath(
  leaves: readonly Uint8Array[],
  m: number,
  start: number,
  end: number,
  out: Buffer[],
): void {
  const n = end - start;
  if (n === 1) return;
  const k = splitPoint(n);
  if (m < k) {
    auditPath(leaves, m, start, start + k, out);
    out.push(subtreeRoot(leaves, start + k, end));
  } else {
    auditPath(leaves, m - k, start + k, end, out);
    out.push(subtreeRoot(leaves, start, start + k));
  }
}

/**
 * SUBPROOF(m, D[start:end], b), appended to `out` lowest node first. `oldRootKnown` is the
 * RFC's b: it stays true while D[start:start+m] is the whole old tree, whose root the verifier
 * already has and which therefore needs no place in the proof.
 */
function subproof(
  leaves: readonly Uint8Array[],
  m: number,
  start: number,
  end: number,
  oldRootKnown: boolean,
  out: Buffer[],
): void {
  const n = end - start;
  if (m === n) {
    if (!oldRootKnown) out.push(subtreeRoot(leaves, start, end));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(leaves, m, start, start + k, oldRootKnown, out);
    out.push(subtreeRoot(leaves, start + k, end));
  } else {
    subproof(leaves, m - k, start + k, end, false, out);
    out.push(subtreeRoot(leaves, start, start + k));
  }
}

/** The largest power of two smaller than n, for n > 1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function requireLeafHashes(leafHashes: readonly Uint8Array[]): void {
  for (let i = 0; i < leafHashes.length; i++) {
    if (!isHash(leafHashes[i])) {
      throw new RangeError(`leaf hash ${i} is not a ${HASH_SIZE}-byte hash`);
    }
  }
}

/**
 * Sizes and indices are plain numbers, so the bit operations of RFC 9162 are done with
 * arithmetic (JavaScript's bitwise operators would cut them to 32 bits): every tree size up to
 * 2^53 - 1 is handled exactly.
 */
function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isOdd(value: number): boolean {
  return value % 2 === 1;
}

function half(value: number): number {
  return Math.floor(value / 2);
}

function isPowerOfTwo(value: number): boolean {
  let v = value;
  while (v > 1 && !isOdd(v)) v = half(v);
  return v === 1;
}

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

/** Checks every index, so that a sparse array (whose holes `every` would skip) fails too. */
function isProof(proof: unknown): proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) return false;
  for (let i = 0; i < proof.length; i++) if (!isHash(proof[i])) return false;
  return true;
}

/** Roots and proofs are public, so a comparison in constant time is not needed. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}
