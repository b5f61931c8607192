import { createHash } from 'node:crypto';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from 'src/evidence-format/merkle';
import { MerkleLevels } from 'src/evidence-format/merkle-levels';

const leaf = (i: number) => createHash('sha256').update(`leaf ${i}`).digest();

describe('MerkleLevels', () => {
  const N = 70;
  const leaves = Array.from({ length: N }, (_, i) => leaf(i));
  const tree = new MerkleLevels();
  leaves.forEach((l) => tree.append(l));

  it('gives the same root as the reference for every prefix', () => {
    expect(tree.root(0)).toEqual(EMPTY_ROOT);
    for (let size = 1; size <= N; size++) {
      expect(tree.root(size).toString('hex')).toBe(rootOf(leaves.slice(0, size)).toString('hex'));
    }
  });

  it('gives the reference inclusion proofs, which verify, for every index of every size', () => {
    for (let size = 1; size <= N; size++) {
      const root = tree.root(size);
      for (let index = 0; index < size; index++) {
        const proof = tree.inclusionProof(index, size);
        expect(proof).toEqual(inclusionProof(leaves.slice(0, size), index));
        expect(
          verifyInclusion({ leafHash: leaves[index], index, treeSize: size, proof, root }),
        ).toBe(true);
      }
    }
  });

  it('gives the reference consistency proofs, which verify, for every pair of sizes', () => {
    for (let newSize = 0; newSize <= N; newSize++) {
      for (let oldSize = 0; oldSize <= newSize; oldSize++) {
        const proof = tree.consistencyProof(oldSize, newSize);
        expect(proof).toEqual(consistencyProof(leaves.slice(0, newSize), oldSize));
        expect(
          verifyConsistency({
            oldSize,
            newSize,
            oldRoot: tree.root(oldSize),
            newRoot: tree.root(newSize),
            proof,
          }),
        ).toBe(true);
      }
    }
  });

  it('refuses sizes and indexes outside the log, and malformed leaves', () => {
    expect(() => tree.root(N + 1)).toThrow(RangeError);
    expect(() => tree.inclusionProof(5, 5)).toThrow(/outside a tree of 5/);
    expect(() => tree.inclusionProof(-1)).toThrow(RangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(/old size 6/);
    expect(() => tree.append(Buffer.alloc(31))).toThrow(/32 bytes/);
    expect(tree.leaf(3)).toEqual(leaves[3]);
  });
});
