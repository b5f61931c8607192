import { createHash, createPublicKey, KeyObject } from 'node:crypto';

/** Length of a raw Ed25519 public key (RFC 8032). */
export const ED25519_PUBLIC_KEY_BYTES = 32;

// SubjectPublicKeyInfo DER of an Ed25519 key is this fixed 12-byte header followed by the raw key
// (RFC 8410 section 4), which lets us go between raw, SPKI and PEM without parsing ASN.1.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A public key member of a JWK Set (RFC 8037 section 2): what `crypto.createPublicKey` imports. */
export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

export function ed25519Jwk(rawPublicKey: Buffer): Ed25519PublicJwk {
  assertRawPublicKey(rawPublicKey);
  return { kty: 'OKP', crv: 'Ed25519', x: rawPublicKey.toString('base64url') };
}

/**
 * The key id: the RFC 7638 JWK thumbprint, SHA-256 over the required members of the public JWK
 * in lexicographic order with no white space, base64url without padding. Anyone holding the
 * public key can recompute it, so a key id can never silently point at another key.
 */
export function jwkThumbprint(rawPublicKey: Buffer): string {
  const { crv, kty, x } = ed25519Jwk(rawPublicKey);
  const canonical = `{"crv":"${crv}","kty":"${kty}","x":"${x}"}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

export function spkiDer(rawPublicKey: Buffer): Buffer {
  assertRawPublicKey(rawPublicKey);
  return Buffer.concat([SPKI_PREFIX, rawPublicKey]);
}

/** The key as `-----BEGIN PUBLIC KEY-----` (SPKI), the form openssl reads. */
export function spkiPem(rawPublicKey: Buffer): string {
  const base64 = spkiDer(rawPublicKey).toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

export function publicKeyObject(rawPublicKey: Buffer): KeyObject {
  return createPublicKey({ key: spkiDer(rawPublicKey), format: 'der', type: 'spki' });
}

/** The raw 32 bytes of an Ed25519 public (or private) key object. */
export function rawPublicKeyOf(key: KeyObject): Buffer {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  if (
    der.length !== SPKI_PREFIX.length + ED25519_PUBLIC_KEY_BYTES ||
    !der.subarray(0, SPKI_PREFIX.length).equals(SPKI_PREFIX)
  ) {
    throw new Error('not an Ed25519 key');
  }
  return der.subarray(SPKI_PREFIX.length);
}

function assertRawPublicKey(raw: Buffer): void {
  if (raw.length !== ED25519_PUBLIC_KEY_BYTES) {
    throw new Error(
      `an Ed25519 public key has ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${raw.length}`,
    );
  }
}
