import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { checkpointBody, signNote } from 'src/evidence-format/checkpoint';
import { consistencyProof, inclusionProof, leafHash, rootOf } from 'src/evidence-format/merkle';
import { canonicalBytes } from 'src/evidence-format/canonical-json';
import { jwkThumbprint } from 'src/verifier/key-set';

/**
 * Builders for the verifier's tests: a real tenant log signed with real Ed25519 keys, in exactly
 * the formats the service publishes (signed entries, a JWKS, C2SP checkpoints, proof JSON).
 * Not used by the verifier itself.
 */

export const TENANT = '3f6c1a2e-8b4d-4e0f-9a71-5c2d8e6b1f03';
export const OTHER_TENANT = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
export const originOf = (tenant: string) => `audit.local/${tenant}`;

export interface TestKey {
  privateKey: KeyObject;
  raw: Buffer;
  kid: string;
  jwk: Record<string, string>;
}

export interface EntryJson {
  body: Record<string, unknown>;
  leafHash: string;
  signature: string;
  keyId: string;
}

/**
 * A fresh Ed25519 key, or with `seed` the key whose private seed is SHA-256(`seed`): the same
 * key every time, for the published test vectors (their keys are public, so they are test keys).
 */
export function newKey(validFrom: string, validUntil?: string, seed?: string): TestKey {
  const { privateKey, publicKey } =
    seed === undefined ? generateKeyPairSync('ed25519') : keyPairFromSeed(seed);
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const x = raw.toString('base64url');
  const kid = jwkThumbprint(x);
  const jwk: Record<string, string> = { kty: 'OKP', crv: 'Ed25519', x, kid, use: 'sig' };
  Object.assign(jwk, { alg: 'EdDSA', validFrom }, validUntil ? { validUntil } : {});
  return { privateKey, raw, kid, jwk };
}

/** PKCS #8 for an Ed25519 private key is this prefix and the 32-byte seed (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function keyPairFromSeed(seed: string): { privateKey: KeyObject; publicKey: KeyObject } {
  const key = Buffer.concat([ED25519_PKCS8_PREFIX, createHash('sha256').update(seed).digest()]);
  const privateKey = createPrivateKey({ key, format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** A signed entry for `body`, signed by `key` (whatever its window says). */
export function signEntry(body: Record<string, unknown>, key: TestKey): EntryJson {
  const leaf = leafHash(canonicalBytes(body));
  return {
    body,
    leafHash: leaf.toString('base64'),
    signature: sign(null, leaf, key.privateKey).toString('base64'),
    keyId: key.kid,
  };
}

export function recordBody(index: number, time: string, tenant = TENANT): Record<string, unknown> {
  return {
    schemaVersion: 1,
    kind: index % 5 === 4 ? 'review' : 'record',
    id: `0b7e${String(index).padStart(4, '0')}-1c2d-4e5f-8a9b-${'c'.repeat(12)}`,
    tenant,
    logIndex: index,
    time,
    application: 'loan-desk',
    request: { purpose: 'credit-decision', caseId: `case-${index}`, solelyAutomated: false },
    outputCommitment: Buffer.alloc(32, index).toString('base64'),
    attribution: [
      { concept: 'income', share: 0.375 },
      { concept: 'employment "history"', share: 0.125, note: 'café ✓' },
    ],
  };
}

export interface TestLog {
  /** The key that retired at ROTATION and the key that took over. */
  oldKey: TestKey;
  newKey: TestKey;
  jwks: { keys: Record<string, string>[] };
  entries: EntryJson[];
  leaves: Buffer[];
  checkpoint(size: number, options?: { origin?: string; key?: TestKey; leaves?: Buffer[] }): string;
  inclusion(index: number, size: number): Record<string, unknown>;
  consistency(oldSize: number, newSize: number): Record<string, unknown>;
}

export const ROTATION = '2026-06-01T00:00:00.000Z';
const START = Date.parse('2026-05-31T23:50:00.000Z');

/**
 * A log of `size` entries, one a minute from 23:50 the day before the key rotation: the first
 * ten are signed by the old key, the rest by the new one.
 */
export function buildLog(size = 37, options: { seed?: string } = {}): TestLog {
  const seeded = (role: string) =>
    options.seed === undefined ? undefined : `${options.seed} ${role}`;
  const oldKey = newKey('2026-01-01T00:00:00Z', ROTATION, seeded('old key'));
  const newKeyInService = newKey(ROTATION, undefined, seeded('new key'));
  const entries = Array.from({ length: size }, (_, i) => {
    const time = new Date(START + i * 60_000).toISOString();
    return signEntry(recordBody(i, time), time < ROTATION ? oldKey : newKeyInService);
  });
  const leaves = entries.map((e) => Buffer.from(e.leafHash, 'base64'));
  const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));
  return {
    oldKey,
    newKey: newKeyInService,
    jwks: { keys: [oldKey.jwk, newKeyInService.jwk] },
    entries,
    leaves,
    checkpoint: (n, options = {}) => {
      const origin = options.origin ?? originOf(TENANT);
      const key = options.key ?? newKeyInService;
      const body = checkpointBody(origin, n, rootOf((options.leaves ?? leaves).slice(0, n)));
      return signNote(body, origin, (m) => sign(null, m, key.privateKey), key.raw);
    },
    inclusion: (index, n) => ({
      logIndex: index,
      treeSize: n,
      leafHash: leaves[index].toString('base64'),
      hashes: b64(inclusionProof(leaves.slice(0, n), index)),
    }),
    consistency: (m, n) => ({
      oldSize: m,
      newSize: n,
      hashes: b64(consistencyProof(leaves.slice(0, n), m)),
    }),
  };
}
