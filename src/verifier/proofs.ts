import {
  noteKeyHash,
  parseCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
} from 'src/evidence-format/checkpoint';
import { verifyConsistency, verifyInclusion } from 'src/evidence-format/merkle';
import { fail, isIndex, isObject, notChecked, pass, type Check } from 'src/verifier/checks';
import { decodeHash } from 'src/verifier/encoding';
import type { EntryResult } from 'src/verifier/entry';
import type { KeySet } from 'src/verifier/key-set';

/**
 * The checks on checkpoints and Merkle proofs. The sizes and roots always come from the signed
 * checkpoints and the leaf and index from the signed entry; a proof file only contributes its
 * hashes, and the sizes, index and leaf it states are compared with the signed values rather
 * than trusted (ANCHORS.md §2: the immudb client accepted proofs whose own claims it believed).
 */

/** Proofs in trees of up to 2^53 - 1 leaves have at most 2 × 53 hashes; more is not a proof. */
const MAX_PROOF_HASHES = 128;

export interface CheckpointResult {
  checks: Check[];
  /** The parsed checkpoint, whether or not its signature verified (the signature check says). */
  checkpoint: Checkpoint | null;
}

/**
 * `<label> format` and `<label> signature`: the note parses as a checkpoint, and carries a
 * signature under the key name of its origin by a key of the key set. A key's validity window
 * is not applied here: a checkpoint has no time of its own to compare with it.
 */
export function checkpointChecks(
  note: string | Uint8Array,
  keySet: KeySet,
  label: string,
): CheckpointResult {
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(note);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      checks: [
        fail(`${label} format`, why),
        notChecked(`${label} signature`, 'the checkpoint is malformed'),
      ],
      checkpoint: null,
    };
  }
  const root = checkpoint.root.toString('base64');
  const format = pass(
    `${label} format`,
    `origin ${checkpoint.origin}, size ${checkpoint.size}, root ${root}`,
  );
  const name = checkpoint.origin;
  const keys = keySet.keys.map((k) => ({ name, rawPublicKey: k.raw, kid: k.kid }));
  const result = verifyCheckpoint(note, keys);
  if (!result.ok) {
    const why = result.reason ?? 'not verified';
    return { checks: [format, fail(`${label} signature`, why)], checkpoint };
  }
  const signers = result.signatures
    .filter((s) => s.status === 'verified')
    .map((s) => keys.find((k) => noteKeyHash(name, k.rawPublicKey).equals(s.keyHash))?.kid);
  const detail = `Ed25519 by ${signers.join(', ')} under key name ${name}`;
  return { checks: [format, pass(`${label} signature`, detail)], checkpoint };
}

/** `checkpoint origin`: the checkpoint comes from the log the auditor asked about. */
export function originCheck(checkpoint: Checkpoint | null, expected: string): Check {
  if (!checkpoint) return notChecked('checkpoint origin', 'the checkpoint is malformed');
  return checkpoint.origin === expected
    ? pass('checkpoint origin', expected)
    : fail('checkpoint origin', `the checkpoint is from ${checkpoint.origin}, not ${expected}`);
}

/** The checks that tie an entry to a checkpoint through an inclusion proof. */
export function inclusionChecks(
  entry: EntryResult,
  proofDocument: unknown,
  checkpoint: Checkpoint | null,
): Check[] {
  const read = readInclusionProof(proofDocument);
  const proof = typeof read === 'string' ? null : read;
  const { facts, leaf } = entry;
  const unusable = 'an input is unusable';
  const checks = [
    proof
      ? pass('proof format', `${proof.hashes.length} hashes`)
      : fail('proof format', read as string),
    !proof || !leaf
      ? notChecked('proof leaf hash', unusable)
      : same(
          'proof leaf hash',
          proof.leafHash.equals(leaf),
          `the proof is for leaf ${b64(proof.leafHash)}, the entry's leaf is ${b64(leaf)}`,
        ),
    !proof || !facts
      ? notChecked('proof index', unusable)
      : same(
          'proof index',
          proof.logIndex === facts.logIndex,
          `the proof is for logIndex ${proof.logIndex}, the entry has logIndex ${facts.logIndex}`,
        ),
    !proof || !checkpoint
      ? notChecked('proof tree size', unusable)
      : same(
          'proof tree size',
          proof.treeSize === checkpoint.size,
          `the proof is for tree size ${proof.treeSize}, the checkpoint has size ${checkpoint.size}`,
        ),
    !facts || !checkpoint
      ? notChecked('checkpoint tenant', unusable)
      : same(
          'checkpoint tenant',
          checkpoint.origin.endsWith(`/${facts.tenant}`),
          `the checkpoint's origin ${checkpoint.origin} is not the log of tenant ${facts.tenant}`,
        ),
  ];
  if (!proof || !facts || !leaf || !checkpoint) {
    return [...checks, notChecked('inclusion', 'an input above is unusable')];
  }
  const { logIndex } = facts;
  const { size, root } = checkpoint;
  const claim = { leafHash: leaf, index: logIndex, treeSize: size, proof: proof.hashes, root };
  if (verifyInclusion(claim)) {
    return [...checks, pass('inclusion', `logIndex ${logIndex} is in the tree of size ${size}`)];
  }
  const why =
    logIndex >= size
      ? `logIndex ${logIndex} is not below the tree size ${size}`
      : `the audit path does not lead from logIndex ${logIndex} to the checkpoint's root (size ${size})`;
  return [...checks, fail('inclusion', why)];
}

/** The checks that a new checkpoint extends an old one, given a consistency proof. */
export function consistencyChecks(
  proofDocument: unknown,
  previous: Checkpoint | null,
  next: Checkpoint | null,
): Check[] {
  const read = readConsistencyProof(proofDocument);
  const proof = typeof read === 'string' ? null : read;
  const unusable = 'an input is unusable';
  const checks = [
    proof
      ? pass('proof format', `${proof.hashes.length} hashes`)
      : fail('proof format', read as string),
    !previous || !next
      ? notChecked('same origin', unusable)
      : same(
          'same origin',
          previous.origin === next.origin,
          `the old checkpoint is from ${previous.origin}, the new one from ${next.origin}`,
        ),
    !proof || !previous || !next
      ? notChecked('proof sizes', unusable)
      : same(
          'proof sizes',
          proof.oldSize === previous.size && proof.newSize === next.size,
          `the proof is from size ${proof.oldSize} to ${proof.newSize}, ` +
            `the checkpoints have sizes ${previous.size} and ${next.size}`,
        ),
  ];
  if (!proof || !previous || !next) {
    return [...checks, notChecked('consistency', 'an input above is unusable')];
  }
  const [m, n] = [previous.size, next.size];
  if (m > n) {
    const why = `the old checkpoint's size ${m} is larger than the new one's ${n}`;
    return [...checks, fail('consistency', why)];
  }
  const ok = verifyConsistency({
    oldSize: m,
    newSize: n,
    oldRoot: previous.root,
    newRoot: next.root,
    proof: proof.hashes,
  });
  return [
    ...checks,
    ok
      ? pass('consistency', `the tree of size ${n} extends the tree of size ${m}`)
      : fail('consistency', `the proof does not show that the tree of size ${n} extends size ${m}`),
  ];
}

interface InclusionProof {
  logIndex: number;
  treeSize: number;
  leafHash: Buffer;
  hashes: Buffer[];
}

interface ConsistencyProof {
  oldSize: number;
  newSize: number;
  hashes: Buffer[];
}

/** The proof, or a string saying what is wrong with it. */
function readInclusionProof(document: unknown): InclusionProof | string {
  if (!isObject(document)) return 'the proof is not a JSON object';
  const { logIndex, treeSize } = document;
  if (!isIndex(logIndex)) return 'logIndex is not an integer ≥ 0';
  if (!isIndex(treeSize)) return 'treeSize is not an integer ≥ 0';
  const leafHash = decodeHash(document.leafHash);
  if (!leafHash) return 'leafHash is not 32 bytes of padded base64';
  const hashes = readHashes(document.hashes);
  return typeof hashes === 'string' ? hashes : { logIndex, treeSize, leafHash, hashes };
}

function readConsistencyProof(document: unknown): ConsistencyProof | string {
  if (!isObject(document)) return 'the proof is not a JSON object';
  const { oldSize, newSize } = document;
  if (!isIndex(oldSize)) return 'oldSize is not an integer ≥ 0';
  if (!isIndex(newSize)) return 'newSize is not an integer ≥ 0';
  const hashes = readHashes(document.hashes);
  return typeof hashes === 'string' ? hashes : { oldSize, newSize, hashes };
}

function readHashes(value: unknown): Buffer[] | string {
  if (!Array.isArray(value)) return 'hashes is not an array';
  if (value.length > MAX_PROOF_HASHES) return `hashes has more than ${MAX_PROOF_HASHES} elements`;
  const hashes: Buffer[] = [];
  const items: unknown[] = value;
  for (const [i, item] of items.entries()) {
    const hash = decodeHash(item);
    if (!hash) return `hashes[${i}] is not 32 bytes of padded base64`;
    hashes.push(hash);
  }
  return hashes;
}

function same(name: string, ok: boolean, why: string): Check {
  return ok ? pass(name) : fail(name, why);
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64');
}
