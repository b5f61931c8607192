import { createHash } from 'node:crypto';
import {
  ConsistencyClaim,
  EMPTY_ROOT,
  InclusionClaim,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from 'src/evidence-format/merkle';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Buffer => Buffer.from(text, 'hex');
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** The Certificate Transparency reference tree: eight leaves, given as hex data. */
const CT_DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const CT_LEAVES = CT_DATA.map((data) => leafHash(unhex(data)));
const CT_LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];
/** Roots of the trees of the first 1..8 reference leaves. */
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const EMPTY_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Published CT inclusion proofs: (0-based leaf index, tree size, path). */
const CT_INCLUSION: [number, number, string[]][] = [
  [0, 1, []],
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

/** Published CT consistency proofs: (old size, new size, proof). */
const CT_CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

/** Round trips go up to this size; exhaustive bit flips up to the smaller one. */
const MAX_SIZE = 40;
const MAX_FLIP_SIZE = 16;
const LEAVES = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
const ROOTS = Array.from({ length: MAX_SIZE + 1 }, (_, n) => rootOf(LEAVES.slice(0, n)));
const STRANGER = sha256(Buffer.from('not part of any tree'));

/** Copies of the proof with one bit flipped, for every bit of every element. */
function* bitFlips(proof: readonly Uint8Array[]): Generator<Buffer[]> {
  for (let e = 0; e < proof.length; e++) {
    for (let bit = 0; bit < proof[e].length * 8; bit++) {
      const copy = proof.map((element) => Buffer.from(element));
      copy[e][bit >> 3] ^= 1 << (bit & 7);
      yield copy;
    }
  }
}

function* flippedHashes(hash: Uint8Array): Generator<Buffer> {
  for (const [flipped] of bitFlips([hash])) yield flipped;
}

/** Proofs that are one element short, from either end. */
function truncations(proof: readonly Buffer[]): Buffer[][] {
  if (proof.length === 0) return [];
  return [proof.slice(1), proof.slice(0, -1)];
}

/** Proofs with one element too many: appended or prepended, new or repeated. */
function extensions(proof: readonly Buffer[], root: Buffer): Buffer[][] {
  const extras = [STRANGER, root, Buffer.alloc(32), ...proof.slice(-1), ...proof.slice(0, 1)];
  return extras.flatMap((extra) => [
    [...proof, extra],
    [extra, ...proof],
  ]);
}

/** Proofs with two adjacent, different elements swapped. */
function swaps(proof: readonly Buffer[]): Buffer[][] {
  const result: Buffer[][] = [];
  for (let i = 0; i + 1 < proof.length; i++) {
    if (proof[i].equals(proof[i + 1])) continue;
    const copy = [...proof];
    [copy[i], copy[i + 1]] = [copy[i + 1], copy[i]];
    result.push(copy);
  }
  return result;
}

/** Proofs with one element of the wrong length. */
function misSized(proof: readonly Buffer[]): Buffer[][] {
  const result: Buffer[][] = [];
  for (let i = 0; i < proof.length; i++) {
    for (const wrong of [
      proof[i].subarray(0, 31),
      Buffer.concat([proof[i], Buffer.alloc(1)]),
      Buffer.alloc(0),
      Buffer.concat([proof[i], proof[i]]),
    ]) {
      const copy = [...proof];
      copy[i] = wrong;
      result.push(copy);
    }
  }
  return result;
}

/** Every (index, size) with 0 ≤ index < size ≤ max. */
function* inclusionCases(max: number): Generator<[number, number]> {
  for (let size = 1; size <= max; size++)
    for (let index = 0; index < size; index++) yield [index, size];
}

/** Every (old, new) with 1 ≤ old < new ≤ max: the cases that need a non-empty proof. */
function* consistencyCases(max: number): Generator<[number, number]> {
  for (let n = 2; n <= max; n++) for (let m = 1; m < n; m++) yield [m, n];
}

function inclusionClaim(index: number, size: number): InclusionClaim {
  const leaves = LEAVES.slice(0, size);
  return {
    leafHash: leaves[index],
    index,
    treeSize: size,
    proof: inclusionProof(leaves, index),
    root: ROOTS[size],
  };
}

function consistencyClaim(oldSize: number, newSize: number): ConsistencyClaim {
  return {
    oldSize,
    newSize,
    oldRoot: ROOTS[oldSize],
    newRoot: ROOTS[newSize],
    proof: consistencyProof(LEAVES.slice(0, newSize), oldSize),
  };
}

/**
 * An independent formulation of the root, used to check `rootOf`: a tree of n leaves is a row
 * of complete subtrees whose sizes are the binary digits of n, largest first, folded together
 * from the right.
 */
function rootByDecomposition(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  const peaks: Buffer[] = [];
  let start = 0;
  for (let size = 2 ** 30; size >= 1; size /= 2) {
    if (leaves.length - start < size) continue;
    let level = leaves.slice(start, start + size);
    while (level.length > 1) {
      level = Array.from({ length: level.length / 2 }, (_, i) =>
        nodeHash(level[2 * i], level[2 * i + 1]),
      );
    }
    peaks.push(level[0]);
    start += size;
  }
  return peaks.reduceRight((right, left) => nodeHash(left, right));
}

/**
 * Trees whose leaves are all the same hash, so that subtree roots depend only on their size:
 * roots and proofs for trees of any size (here beyond 2^32) in logarithmic time. They check
 * that the verifiers' arithmetic holds where 32-bit bitwise operators would not.
 */
class UniformTree {
  private readonly roots = new Map<number, Buffer>();

  constructor(private readonly leaf: Buffer) {}

  root(n: number): Buffer {
    if (n === 1) return this.leaf;
    let root = this.roots.get(n);
    if (!root) {
      const k = largestPowerOfTwoBelow(n);
      root = nodeHash(this.root(k), this.root(n - k));
      this.roots.set(n, root);
    }
    return root;
  }

  path(m: number, n: number): Buffer[] {
    if (n === 1) return [];
    const k = largestPowerOfTwoBelow(n);
    return m < k
      ? [...this.path(m, k), this.root(n - k)]
      : [...this.path(m - k, n - k), this.root(k)];
  }

  proof(m: number, n: number, known = true): Buffer[] {
    if (m === n) return known ? [] : [this.root(n)];
    const k = largestPowerOfTwoBelow(n);
    return m <= k
      ? [...this.proof(m, k, known), this.root(n - k)]
      : [...this.proof(m - k, n - k, false), this.root(k)];
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

describe('merkle hashing', () => {
  it('hashes leaves and nodes with their RFC 6962 prefixes', () => {
    const data = Buffer.from('audit entry');
    expect(leafHash(data)).toEqual(sha256(Buffer.from([0]), data));
    const [a, b] = [LEAVES[0], LEAVES[1]];
    expect(nodeHash(a, b)).toEqual(sha256(Buffer.from([1]), a, b));
    expect(nodeHash(a, b)).not.toEqual(nodeHash(b, a));
  });

  it('keeps leaves and interior nodes apart (second-preimage protection)', () => {
    const [a, b] = [LEAVES[0], LEAVES[1]];
    expect(leafHash(Buffer.concat([a, b]))).not.toEqual(nodeHash(a, b));
    expect(leafHash(Buffer.concat([Buffer.from([1]), a, b]))).not.toEqual(nodeHash(a, b));
  });

  it('gives the reference leaf hashes and the empty root', () => {
    expect(CT_LEAVES.map(hex)).toEqual(CT_LEAF_HASHES);
    expect(hex(EMPTY_ROOT)).toBe(EMPTY_HEX);
  });

  it('accepts any Uint8Array, not only Buffers', () => {
    expect(leafHash(new Uint8Array([0x20, 0x21]))).toEqual(CT_LEAVES[3]);
  });
});

describe('rootOf', () => {
  it('gives the reference roots for 0..8 leaves', () => {
    expect(hex(rootOf([]))).toBe(EMPTY_HEX);
    for (let n = 1; n <= 8; n++) expect(hex(rootOf(CT_LEAVES.slice(0, n)))).toBe(CT_ROOTS[n - 1]);
  });

  it('agrees with an independent formulation for every size up to 100', () => {
    const leaves = Array.from({ length: 100 }, (_, i) => leafHash(Buffer.from([i])));
    for (let n = 0; n <= 100; n++) {
      expect(rootOf(leaves.slice(0, n))).toEqual(rootByDecomposition(leaves.slice(0, n)));
    }
  });

  it('returns fresh buffers, so callers cannot corrupt the leaves or EMPTY_ROOT', () => {
    const single = rootOf([CT_LEAVES[0]]);
    single.fill(0);
    expect(hex(CT_LEAVES[0])).toBe(CT_LEAF_HASHES[0]);
    rootOf([]).fill(0);
    expect(hex(EMPTY_ROOT)).toBe(EMPTY_HEX);
  });

  it('rejects leaf hashes that are not 32 bytes', () => {
    expect(() => rootOf([CT_LEAVES[0], Buffer.alloc(31)])).toThrow(/leaf hash 1 is not a 32-byte/);
    expect(() => rootOf([Buffer.alloc(33)])).toThrow(RangeError);
  });
});

describe('inclusionProof', () => {
  it.each(CT_INCLUSION)('gives the reference path for leaf %i in a tree of %i', (i, n, path) => {
    expect(inclusionProof(CT_LEAVES.slice(0, n), i).map(hex)).toEqual(path);
  });

  it('rejects an index outside the tree', () => {
    expect(() => inclusionProof(CT_LEAVES, 8)).toThrow(/leaf index 8 is outside a tree of 8/);
    expect(() => inclusionProof(CT_LEAVES, -1)).toThrow(RangeError);
    expect(() => inclusionProof(CT_LEAVES, 1.5)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
  });
});

describe('consistencyProof', () => {
  it.each(CT_CONSISTENCY)('gives the reference proof from %i to %i leaves', (m, n, proof) => {
    expect(consistencyProof(CT_LEAVES.slice(0, n), m).map(hex)).toEqual(proof);
  });

  it('gives empty proofs from the empty tree and from the same size', () => {
    expect(consistencyProof(CT_LEAVES, 0)).toEqual([]);
    expect(consistencyProof(CT_LEAVES, 8)).toEqual([]);
    expect(consistencyProof([], 0)).toEqual([]);
  });

  it('rejects an old size outside the tree', () => {
    expect(() => consistencyProof(CT_LEAVES, 9)).toThrow(/old size 9 is outside a tree of 8/);
    expect(() => consistencyProof(CT_LEAVES, -1)).toThrow(RangeError);
    expect(() => consistencyProof(CT_LEAVES, 2.5)).toThrow(RangeError);
  });
});

describe('verifyInclusion', () => {
  it('accepts the reference proofs', () => {
    for (const [index, treeSize, path] of CT_INCLUSION) {
      const claim = {
        leafHash: CT_LEAVES[index],
        index,
        treeSize,
        proof: path.map(unhex),
        root: unhex(CT_ROOTS[treeSize - 1]),
      };
      expect(verifyInclusion(claim)).toBe(true);
    }
  });

  it(`accepts the proof of every leaf in every tree up to ${MAX_SIZE} leaves`, () => {
    const failures: string[] = [];
    for (const [index, size] of inclusionCases(MAX_SIZE)) {
      const claim = inclusionClaim(index, size);
      // One sibling per level at most, and exactly one per level in a complete tree.
      const levels = Math.ceil(Math.log2(size));
      const complete = Number.isInteger(Math.log2(size));
      const length = claim.proof.length;
      if (complete ? length !== levels : length > levels) failures.push(`${index}/${size} length`);
      if (!verifyInclusion(claim)) failures.push(`${index}/${size}`);
    }
    expect(failures).toEqual([]);
  });

  it('accepts proofs for leaves of trees far larger than 2^32', () => {
    const tree = new UniformTree(STRANGER);
    for (const size of [2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER]) {
      for (const index of [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, size - 2, size - 1]) {
        const claim = { leafHash: STRANGER, index, treeSize: size, root: tree.root(size) };
        expect(verifyInclusion({ ...claim, proof: tree.path(index, size) })).toBe(true);
        // The same proof one element short or long still fails at these sizes.
        expect(verifyInclusion({ ...claim, proof: tree.path(index, size).slice(1) })).toBe(false);
        expect(verifyInclusion({ ...claim, proof: [...tree.path(index, size), STRANGER] })).toBe(
          false,
        );
      }
    }
  });

  it(`rejects every single-bit flip in the proof, leaf or root (trees up to ${MAX_FLIP_SIZE})`, () => {
    const accepted: string[] = [];
    let tried = 0;
    for (const [index, size] of inclusionCases(MAX_FLIP_SIZE)) {
      const claim = inclusionClaim(index, size);
      const variants = [
        ...Array.from(bitFlips(claim.proof), (proof) => ({ ...claim, proof })),
        ...Array.from(flippedHashes(claim.leafHash), (leaf) => ({ ...claim, leafHash: leaf })),
        ...Array.from(flippedHashes(claim.root), (root) => ({ ...claim, root })),
      ];
      for (const variant of variants)
        if (verifyInclusion(variant)) accepted.push(`${index}/${size}`);
      tried += variants.length;
    }
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(100_000);
  });

  it('rejects truncated proofs, proofs with an extra element and swapped elements', () => {
    const accepted: string[] = [];
    for (const [index, size] of inclusionCases(MAX_SIZE)) {
      const claim = inclusionClaim(index, size);
      const proof = claim.proof as Buffer[];
      const altered = [
        ...truncations(proof),
        ...extensions(proof, ROOTS[size]),
        ...swaps(proof),
        ...misSized(proof),
      ];
      for (const p of altered) {
        if (verifyInclusion({ ...claim, proof: p })) accepted.push(`${index}/${size}: ${p.length}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a proof that walks on past the root', () => {
    // A verifier that keeps hashing after sn reaches 0 (instead of failing) would accept a proof
    // with one element too many against a root made up from that element.
    const accepted: string[] = [];
    for (const [index, size] of inclusionCases(MAX_SIZE)) {
      const claim = inclusionClaim(index, size);
      const made = { proof: [...claim.proof, STRANGER], root: nodeHash(STRANGER, claim.root) };
      if (verifyInclusion({ ...claim, ...made })) accepted.push(`${index}/${size}`);
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a proof presented for another leaf of the same tree', () => {
    const accepted: string[] = [];
    for (const [index, size] of inclusionCases(MAX_SIZE)) {
      const claim = inclusionClaim(index, size);
      for (let other = 0; other < size; other++) {
        if (other === index) continue;
        // The right leaf at the wrong index, and the wrong leaf at the right index.
        if (verifyInclusion({ ...claim, index: other }))
          accepted.push(`${index}/${size} at ${other}`);
        if (verifyInclusion({ ...claim, leafHash: LEAVES[other] })) {
          accepted.push(`${index}/${size} with leaf ${other}`);
        }
      }
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a proof presented for a tree one leaf smaller or larger', () => {
    const accepted: string[] = [];
    let lengthMismatches = 0;
    for (const [index, size] of inclusionCases(MAX_SIZE)) {
      const claim = inclusionClaim(index, size);
      for (const wrong of [size - 1, size + 1]) {
        if (wrong > MAX_SIZE) continue;
        // Against the true root of the tree of that size, the proof never verifies.
        if (verifyInclusion({ ...claim, treeSize: wrong, root: ROOTS[wrong] })) {
          accepted.push(`${index}/${size} as ${wrong} with its root`);
        }
        // Against its own root, a proof that is too short or too long for the claimed size
        // must fail: a verifier that does not insist on sn = 0 with the proof used up accepts.
        const needed = index < wrong ? inclusionProof(LEAVES.slice(0, wrong), index).length : -1;
        if (needed !== claim.proof.length) {
          lengthMismatches++;
          if (verifyInclusion({ ...claim, treeSize: wrong }))
            accepted.push(`${index}/${size} as ${wrong}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(lengthMismatches).toBeGreaterThan(100);
  });

  it('binds the tree size through the root only, as RFC 9162 does', () => {
    // Leaf 1 lies on the same path in trees of 5 and 6 leaves, so the path for size 6 walks
    // identically when size 5 is claimed: it reaches the size-6 root, never the size-5 one.
    const claim = inclusionClaim(1, 6);
    expect(verifyInclusion({ ...claim, treeSize: 5 })).toBe(true);
    expect(verifyInclusion({ ...claim, treeSize: 5, root: ROOTS[5] })).toBe(false);
  });

  it('does not let an interior node pose as a leaf at the true tree size', () => {
    // nodeHash(leaf 0, leaf 1) is the left child of the root of a 4-leaf tree.
    const claim = {
      leafHash: nodeHash(LEAVES[0], LEAVES[1]),
      index: 0,
      treeSize: 4,
      proof: [nodeHash(LEAVES[2], LEAVES[3])],
      root: ROOTS[4],
    };
    expect(verifyInclusion(claim)).toBe(false);
    // Only a claimed 2-leaf tree would walk that path; which is why leaf hashes must come from
    // leafHash(data) computed by the verifier, and sizes from the signed tree head.
    expect(verifyInclusion({ ...claim, treeSize: 2 })).toBe(true);
  });

  it('rejects an index at or beyond the tree size, and the empty tree', () => {
    const claim = inclusionClaim(3, 8);
    expect(verifyInclusion({ ...claim, index: 8 })).toBe(false);
    expect(verifyInclusion({ ...claim, index: 9 })).toBe(false);
    expect(verifyInclusion({ ...claim, index: 0, treeSize: 0, proof: [], root: EMPTY_ROOT })).toBe(
      false,
    );
  });

  it('rejects sizes and indices that are not non-negative safe integers', () => {
    const claim = inclusionClaim(3, 8);
    const bad: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '3', 3n, null, undefined];
    for (const value of bad) {
      expect(verifyInclusion({ ...claim, index: value as number })).toBe(false);
      expect(verifyInclusion({ ...claim, treeSize: value as number })).toBe(false);
    }
  });

  it('rejects a leaf hash, root or proof element that is not 32 bytes', () => {
    const claim = inclusionClaim(3, 8);
    for (const wrong of [Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(64)]) {
      expect(verifyInclusion({ ...claim, leafHash: wrong })).toBe(false);
      expect(verifyInclusion({ ...claim, root: wrong })).toBe(false);
    }
    // The size-1 tree needs no proof, but even an unused element must be well formed.
    const single = inclusionClaim(0, 1);
    expect(verifyInclusion({ ...single, proof: [Buffer.alloc(31)] })).toBe(false);
  });

  it('never throws on garbage', () => {
    const claim = inclusionClaim(3, 8);
    const proof = claim.proof as Buffer[];
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'proof',
      {},
      { ...claim, proof: null },
      { ...claim, proof: 'abc' },
      { ...claim, proof: proof.map(hex) },
      { ...claim, proof: proof.map((p) => [...p]) },
      { ...claim, proof: [proof[0], undefined, proof[2]] },
      // eslint-disable-next-line no-sparse-arrays
      { ...claim, proof: [proof[0], , proof[2]] },
      { ...claim, leafHash: hex(claim.leafHash) },
      { ...claim, root: null },
      {
        ...claim,
        get proof(): never {
          throw new Error('hostile getter');
        },
      },
    ];
    for (const value of garbage) {
      expect(() => verifyInclusion(value as InclusionClaim)).not.toThrow();
      expect(verifyInclusion(value as InclusionClaim)).toBe(false);
    }
  });

  it('gives up quickly on absurdly long proofs', () => {
    const claim = inclusionClaim(3, 8);
    const proof = Array.from({ length: 100_000 }, () => STRANGER);
    expect(verifyInclusion({ ...claim, proof })).toBe(false);
    expect(verifyInclusion({ ...claim, treeSize: Number.MAX_SAFE_INTEGER, proof })).toBe(false);
  });
});

describe('verifyConsistency', () => {
  it('accepts the reference proofs', () => {
    for (const [oldSize, newSize, proof] of CT_CONSISTENCY) {
      const claim = {
        oldSize,
        newSize,
        oldRoot: unhex(CT_ROOTS[oldSize - 1]),
        newRoot: unhex(CT_ROOTS[newSize - 1]),
        proof: proof.map(unhex),
      };
      expect(verifyConsistency(claim)).toBe(true);
    }
  });

  it(`accepts the proof between every two trees up to ${MAX_SIZE} leaves`, () => {
    const failures: string[] = [];
    for (let n = 0; n <= MAX_SIZE; n++) {
      for (let m = 0; m <= n; m++)
        if (!verifyConsistency(consistencyClaim(m, n))) failures.push(`${m}→${n}`);
    }
    expect(failures).toEqual([]);
  });

  it('accepts proofs between trees far larger than 2^32', () => {
    const tree = new UniformTree(STRANGER);
    const sizes = [3, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, 2 ** 52 + 3];
    sizes.push(Number.MAX_SAFE_INTEGER);
    for (const oldSize of sizes) {
      for (const newSize of sizes) {
        if (oldSize >= newSize) continue;
        const claim = {
          oldSize,
          newSize,
          oldRoot: tree.root(oldSize),
          newRoot: tree.root(newSize),
        };
        const proof = tree.proof(oldSize, newSize);
        expect(verifyConsistency({ ...claim, proof })).toBe(true);
        expect(verifyConsistency({ ...claim, proof: proof.slice(0, -1) })).toBe(false);
        expect(verifyConsistency({ ...claim, proof: [...proof, STRANGER] })).toBe(false);
      }
    }
  });

  it(`rejects every single-bit flip in the proof or a root (trees up to ${MAX_FLIP_SIZE})`, () => {
    const accepted: string[] = [];
    let tried = 0;
    for (const [m, n] of consistencyCases(MAX_FLIP_SIZE)) {
      const claim = consistencyClaim(m, n);
      const variants = [
        ...Array.from(bitFlips(claim.proof), (proof) => ({ ...claim, proof })),
        ...Array.from(flippedHashes(claim.oldRoot), (oldRoot) => ({ ...claim, oldRoot })),
        ...Array.from(flippedHashes(claim.newRoot), (newRoot) => ({ ...claim, newRoot })),
      ];
      for (const variant of variants) if (verifyConsistency(variant)) accepted.push(`${m}→${n}`);
      tried += variants.length;
    }
    expect(accepted).toEqual([]);
    expect(tried).toBeGreaterThan(100_000);
  });

  it('rejects truncated proofs, proofs with an extra element and swapped elements', () => {
    const accepted: string[] = [];
    for (const [m, n] of consistencyCases(MAX_SIZE)) {
      const claim = consistencyClaim(m, n);
      const proof = claim.proof as Buffer[];
      const altered = [
        [],
        ...truncations(proof),
        ...extensions(proof, ROOTS[n]),
        ...swaps(proof),
        ...misSized(proof),
      ];
      for (const p of altered) {
        if (verifyConsistency({ ...claim, proof: p })) accepted.push(`${m}→${n}: ${p.length}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('rejects a proof presented for an old or new tree one leaf smaller or larger', () => {
    const accepted: string[] = [];
    let lengthMismatches = 0;
    for (const [m, n] of consistencyCases(MAX_SIZE)) {
      const claim = consistencyClaim(m, n);
      const wrongSizes: [number, number][] = [
        [m - 1, n],
        [m + 1, n],
        [m, n - 1],
        [m, n + 1],
      ];
      for (const [oldSize, newSize] of wrongSizes) {
        if (newSize > MAX_SIZE) continue;
        // Against the true roots of the trees of those sizes, the proof never verifies.
        const honest = { oldSize, newSize, oldRoot: ROOTS[oldSize], newRoot: ROOTS[newSize] };
        if (verifyConsistency({ ...claim, ...honest })) {
          accepted.push(`${m}→${n} as ${oldSize}→${newSize} with their roots`);
        }
        // Against its own roots, a proof that is too short or too long for the claimed sizes
        // must fail: a verifier that does not insist on sn = 0 with the proof used up accepts.
        const needed =
          oldSize <= newSize && oldSize >= 0
            ? consistencyProof(LEAVES.slice(0, newSize), oldSize).length
            : -1;
        if (needed !== claim.proof.length) {
          lengthMismatches++;
          if (verifyConsistency({ ...claim, oldSize, newSize })) {
            accepted.push(`${m}→${n} as ${oldSize}→${newSize}`);
          }
        }
      }
    }
    expect(accepted).toEqual([]);
    expect(lengthMismatches).toBeGreaterThan(100);
  });

  it('rejects a proof that walks on past the new root', () => {
    // As for inclusion: an element after sn reaches 0 must fail the proof, not be hashed in.
    const accepted: string[] = [];
    for (const [m, n] of consistencyCases(MAX_SIZE)) {
      const claim = consistencyClaim(m, n);
      const made = {
        proof: [...claim.proof, STRANGER],
        oldRoot: nodeHash(STRANGER, claim.oldRoot),
        newRoot: nodeHash(STRANGER, claim.newRoot),
      };
      if (verifyConsistency({ ...claim, ...made })) accepted.push(`${m}→${n}`);
    }
    expect(accepted).toEqual([]);
  });

  it('rejects an old tree larger than the new one', () => {
    for (const [m, n] of consistencyCases(MAX_SIZE)) {
      const claim = consistencyClaim(m, n);
      const swapped = { oldSize: n, newSize: m, oldRoot: claim.newRoot, newRoot: claim.oldRoot };
      expect(verifyConsistency({ ...claim, ...swapped })).toBe(false);
      expect(verifyConsistency({ ...swapped, proof: [] })).toBe(false);
    }
    // Without the size check, the RFC walk for 3 → 2 would accept this made-up proof.
    const oldRoot = ROOTS[3];
    const forged = { oldSize: 3, newSize: 2, oldRoot, proof: [oldRoot, STRANGER] };
    expect(verifyConsistency({ ...forged, newRoot: nodeHash(oldRoot, STRANGER) })).toBe(false);
  });

  it('accepts a tree as consistent with itself only with no proof and the same root', () => {
    for (let n = 1; n <= MAX_SIZE; n++) {
      const same = { oldSize: n, newSize: n, oldRoot: ROOTS[n], newRoot: ROOTS[n] };
      expect(verifyConsistency({ ...same, proof: [] })).toBe(true);
      expect(verifyConsistency({ ...same, proof: [ROOTS[n]] })).toBe(false);
      expect(verifyConsistency({ ...same, proof: [STRANGER] })).toBe(false);
      expect(verifyConsistency({ ...same, newRoot: STRANGER, proof: [] })).toBe(false);
      expect(verifyConsistency({ ...same, oldRoot: ROOTS[n - 1], proof: [] })).toBe(false);
    }
  });

  it('treats the empty tree as a prefix of every tree, with no proof', () => {
    const fromEmpty = { oldSize: 0, oldRoot: EMPTY_ROOT, proof: [] };
    for (let n = 0; n <= MAX_SIZE; n++) {
      expect(verifyConsistency({ ...fromEmpty, newSize: n, newRoot: ROOTS[n] })).toBe(true);
      // A proof from the empty tree must be empty.
      const withProof = { ...fromEmpty, newSize: n, newRoot: ROOTS[n], proof: [ROOTS[n]] };
      expect(verifyConsistency(withProof)).toBe(false);
      // The empty tree has exactly one root.
      expect(
        verifyConsistency({ ...fromEmpty, oldRoot: STRANGER, newSize: n, newRoot: ROOTS[n] }),
      ).toBe(false);
    }
    // Two empty trees must both have the empty root.
    const empty = { oldSize: 0, newSize: 0, proof: [] };
    expect(verifyConsistency({ ...empty, oldRoot: STRANGER, newRoot: STRANGER })).toBe(false);
    expect(verifyConsistency({ ...empty, oldRoot: EMPTY_ROOT, newRoot: STRANGER })).toBe(false);
    // The new root is not vouched for by an empty proof, but it must still be a hash.
    expect(verifyConsistency({ ...fromEmpty, newSize: 3, newRoot: Buffer.alloc(31) })).toBe(false);
  });

  it('rejects sizes that are not non-negative safe integers', () => {
    const claim = consistencyClaim(3, 8);
    const bad: unknown[] = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, '3', 3n, null, undefined];
    for (const value of bad) {
      expect(verifyConsistency({ ...claim, oldSize: value as number })).toBe(false);
      expect(verifyConsistency({ ...claim, newSize: value as number })).toBe(false);
    }
  });

  it('rejects roots that are not 32 bytes', () => {
    const claim = consistencyClaim(3, 8);
    for (const wrong of [Buffer.alloc(0), Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(64)]) {
      expect(verifyConsistency({ ...claim, oldRoot: wrong })).toBe(false);
      expect(verifyConsistency({ ...claim, newRoot: wrong })).toBe(false);
    }
  });

  it('never throws on garbage', () => {
    const claim = consistencyClaim(3, 8);
    const proof = claim.proof as Buffer[];
    const garbage: unknown[] = [
      null,
      undefined,
      42,
      'proof',
      {},
      { ...claim, proof: null },
      { ...claim, proof: proof.map(hex) },
      { ...claim, proof: [proof[0], undefined] },
      // eslint-disable-next-line no-sparse-arrays
      { ...claim, proof: [proof[0], , proof[2]] },
      { ...claim, oldRoot: hex(claim.oldRoot) },
      {
        ...claim,
        get newRoot(): never {
          throw new Error('hostile getter');
        },
      },
    ];
    for (const value of garbage) {
      expect(() => verifyConsistency(value as ConsistencyClaim)).not.toThrow();
      expect(verifyConsistency(value as ConsistencyClaim)).toBe(false);
    }
  });
});
