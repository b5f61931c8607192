import { keySetCheck, parseKeySet } from 'src/verifier/key-set';
import { verifyEntry } from 'src/verifier/entry';
import {
  checkpointChecks,
  consistencyChecks,
  inclusionChecks,
  originCheck,
} from 'src/verifier/proofs';
import type { Check } from 'src/verifier/checks';
import {
  verifyPackageFile,
  verifyPackageZip,
  type PackageProgress,
  type PackageThreads,
} from 'src/verifier/package';

/**
 * The verifier's library: one function per question an auditor asks, each taking the documents
 * as parsed JSON (or the checkpoint's text or bytes) and returning every check it made. None of
 * them throws for bad input; a document that is not what it should be is a failed check.
 *
 * This folder imports only Node built-ins and the pure modules of src/evidence-format/
 * (eslint.config.mjs enforces it), so an auditor can read everything the verdict depends on.
 */

/** Is this the record the service signed, with a key that was in service at its time? */
export function verifyRecord(entry: unknown, jwks: unknown): Check[] {
  return verifyEntry(entry, parseKeySet(jwks)).checks;
}

/** Is this checkpoint signed by a key of the set (and, given `origin`, from that log)? */
export function verifyCheckpointNote(
  note: string | Uint8Array,
  jwks: unknown,
  origin?: string,
): Check[] {
  const keySet = parseKeySet(jwks);
  const { checks, checkpoint } = checkpointChecks(note, keySet, 'checkpoint');
  return [
    keySetCheck(keySet),
    ...checks,
    ...(origin === undefined ? [] : [originCheck(checkpoint, origin)]),
  ];
}

/** Is this record, as signed, in the tenant's log as of this signed checkpoint? */
export function verifyInclusionProof(
  entry: unknown,
  proof: unknown,
  note: string | Uint8Array,
  jwks: unknown,
): Check[] {
  const keySet = parseKeySet(jwks);
  const record = verifyEntry(entry, keySet);
  const { checks, checkpoint } = checkpointChecks(note, keySet, 'checkpoint');
  return [...record.checks, ...checks, ...inclusionChecks(record, proof, checkpoint)];
}

/** Does the new signed checkpoint extend the old one, without rewriting any entry? */
export function verifyConsistencyProof(
  proof: unknown,
  oldNote: string | Uint8Array,
  newNote: string | Uint8Array,
  jwks: unknown,
  origin?: string,
): Check[] {
  const keySet = parseKeySet(jwks);
  const previous = checkpointChecks(oldNote, keySet, 'old checkpoint');
  const next = checkpointChecks(newNote, keySet, 'new checkpoint');
  return [
    keySetCheck(keySet),
    ...previous.checks,
    ...next.checks,
    ...(origin === undefined ? [] : [originCheck(next.checkpoint, origin)]),
    ...consistencyChecks(proof, previous.checkpoint, next.checkpoint),
  ];
}

/**
 * Is this evidence package what the service signed, complete, and consistent with its log? The
 * ZIP is read with the verifier's own reader; with `trustedJwks` (the auditor's copy of the
 * service's key set) every signature is checked against it, otherwise against the package's own
 * keys/jwks.json, whose thumbprints are then listed for the auditor to compare. `zip` is the
 * package in memory or the path of its file (read a few mebibytes at a time, however large).
 */
export function verifyPackage(
  zip: Buffer | string,
  trustedJwks?: unknown,
  progress?: PackageProgress,
  threads?: PackageThreads,
): Promise<Check[]> {
  return typeof zip === 'string'
    ? verifyPackageFile(zip, trustedJwks, progress, threads)
    : verifyPackageZip(zip, trustedJwks, progress, threads);
}

export { describeEntry } from 'src/verifier/entry';
export { jwkThumbprint } from 'src/verifier/key-set';
export { allPassed, type Check } from 'src/verifier/checks';
