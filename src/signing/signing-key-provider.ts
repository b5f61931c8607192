/** A public signing key and the time window in which it signs (and its signatures count). */
export interface PublicSigningKey {
  /** RFC 7638 JWK thumbprint of the public key (see `jwkThumbprint`). */
  readonly kid: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Buffer;
  /** First instant the key signs. */
  readonly validFrom: Date;
  /** First instant it no longer signs (the next key's `validFrom`); null while it is current. */
  readonly validUntil: Date | null;
}

/** Signs one message; thrown errors are the provider's (e.g. the key was retired). */
export type SyncSigner = (message: Buffer) => Buffer;

/**
 * The port behind which signing keys live: the local encrypted key file today, a cloud KMS
 * tomorrow. Private keys never leave the provider; callers get public keys and signatures.
 *
 * The key valid at a time `t` is the one with `validFrom <= t < validUntil` (or no `validUntil`).
 * Windows of successive keys touch and never overlap, so every instant has at most one signer.
 */
export abstract class SigningKeyProvider {
  /** Every key, current, scheduled and retired, oldest first. */
  abstract keys(): Promise<PublicSigningKey[]>;

  /** The key that signs now. */
  abstract currentKeyId(): Promise<string>;

  /** Ed25519 signature of `message`; refuses a key that is not valid now (retired or not yet valid). */
  abstract sign(kid: string, message: Buffer): Promise<Buffer>;

  /**
   * Adds a new key valid from `at`; the newest key so far gets `validUntil = at`, so it stops
   * signing then but keeps verifying what it signed inside its window.
   */
  abstract rotate(at: Date): Promise<PublicSigningKey>;

  /**
   * A synchronous signer when the private key is in this process (the local file), for the hot
   * path of signing thousands of records per second; null when every signature is a remote call.
   */
  syncSigner(_kid: string): SyncSigner | null {
    return null;
  }
}

/** The key whose window contains `at`, if any. */
export function keyValidAt<K extends PublicSigningKey>(
  keys: readonly K[],
  at: Date,
): K | undefined {
  const t = at.getTime();
  return keys.find(
    (k) => k.validFrom.getTime() <= t && (k.validUntil === null || t < k.validUntil.getTime()),
  );
}
