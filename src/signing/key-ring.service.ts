import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { KeyObject, verify as ed25519Verify } from 'node:crypto';
import { Ed25519PublicJwk, ed25519Jwk, publicKeyObject, spkiPem } from 'src/signing/ed25519-keys';
import {
  keyValidAt,
  PublicSigningKey,
  SigningKeyProvider,
  SyncSigner,
} from 'src/signing/signing-key-provider';
import { NoCurrentSigningKeyError, SigningKeyNotFoundError } from 'src/signing/signing.errors';

/** How often the ring re-reads its keys, to follow a rotation made by another process. */
export const KEY_RING_REFRESH_MS = 5_000;

export interface KeySignature {
  keyId: string;
  /** 64-byte Ed25519 signature. */
  signature: Buffer;
}

/** One member of our JWK Set: RFC 8037 OKP plus the key's validity window (our members). */
export interface SigningJwk extends Ed25519PublicJwk {
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
  validFrom: string;
  validUntil?: string;
}

export interface SigningJwkSet {
  keys: SigningJwk[];
}

interface RingKey extends PublicSigningKey {
  readonly verifier: KeyObject;
}

interface CurrentSigner {
  readonly key: RingKey;
  readonly from: number;
  readonly until: number;
  /** Null when the provider signs remotely. */
  readonly sign: SyncSigner | null;
}

/**
 * The signing keys as the rest of the application sees them: sign with the current key, verify
 * with any key inside its window, publish the public keys. Public keys are held in memory and
 * re-read every few seconds, so a rotation made by the CLI reaches every running process.
 */
@Injectable()
export class KeyRing implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(KeyRing.name);
  private ring: RingKey[] = [];
  private byKid = new Map<string, RingKey>();
  private current?: CurrentSigner;
  private timer?: NodeJS.Timeout;

  constructor(private readonly provider: SigningKeyProvider) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refreshQuietly(), KEY_RING_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Re-reads the keys from the provider. */
  async refresh(): Promise<void> {
    const keys = await this.provider.keys();
    const ring = keys.map((k) => ({ ...k, verifier: publicKeyObject(k.publicKey) }));
    this.ring = ring;
    this.byKid = new Map(ring.map((k) => [k.kid, k]));
    this.current = undefined;
  }

  /**
   * Signs with the key valid at `at` (default now). A log entry is signed with the key valid at
   * the time its body states, so that a verifier checking the key's window at that time agrees,
   * even when a batch straddles a rotation.
   */
  async sign(message: Buffer, at?: Date): Promise<KeySignature> {
    const current = this.currentSigner(at);
    if (current.sign) return { keyId: current.key.kid, signature: current.sign(message) };
    return {
      keyId: current.key.kid,
      signature: await this.provider.sign(current.key.kid, message),
    };
  }

  /** Whether `signSync` works: the provider holds the private key in this process. */
  get canSignSync(): boolean {
    return this.currentSigner().sign !== null;
  }

  /**
   * The hot path: signs without a promise per record (the local key file provider). Throws when
   * the provider signs remotely (a KMS); use `sign` there.
   */
  signSync(message: Buffer): KeySignature {
    const current = this.currentSigner();
    if (!current.sign) throw new Error('this signing key provider signs remotely: use sign()');
    return { keyId: current.key.kid, signature: current.sign(message) };
  }

  /**
   * True when `signature` is `kid`'s over `message` and, when `at` is given, `at` lies inside the
   * key's window (a retired key still verifies what it signed before its `validUntil`).
   */
  verify(kid: string, message: Buffer, signature: Buffer, at?: Date): boolean {
    const key = this.byKid.get(kid);
    if (!key) return false;
    if (at !== undefined && keyValidAt([key], at) === undefined) return false;
    try {
      return ed25519Verify(null, message, key.verifier, signature);
    } catch {
      return false;
    }
  }

  /** Every key, oldest first. */
  keys(): readonly PublicSigningKey[] {
    return this.ring.map(({ kid, publicKey, validFrom, validUntil }) => ({
      kid,
      publicKey: Buffer.from(publicKey),
      validFrom,
      validUntil,
    }));
  }

  /** The key that signs at `at` (default now): the one whose window holds it. */
  keyAt(at: Date = new Date()): PublicSigningKey {
    const key = keyValidAt(this.ring, at);
    if (!key) throw new NoCurrentSigningKeyError(at);
    return {
      kid: key.kid,
      publicKey: Buffer.from(key.publicKey),
      validFrom: key.validFrom,
      validUntil: key.validUntil,
    };
  }

  /** The public keys as a JWK Set (RFC 7517, OKP keys per RFC 8037), oldest first. */
  jwks(): SigningJwkSet {
    return {
      keys: this.ring.map((k) => ({
        ...ed25519Jwk(k.publicKey),
        kid: k.kid,
        use: 'sig',
        alg: 'EdDSA',
        validFrom: k.validFrom.toISOString(),
        ...(k.validUntil ? { validUntil: k.validUntil.toISOString() } : {}),
      })),
    };
  }

  /** SPKI PEM of a key (what `openssl pkeyutl -verify -pubin` reads). */
  publicKeyPem(kid: string): string {
    return spkiPem(this.get(kid).publicKey);
  }

  /** The raw 32-byte public key. */
  rawPublicKey(kid: string): Buffer {
    return Buffer.from(this.get(kid).publicKey);
  }

  /**
   * Adds a key valid from `at`; the current one stops signing then. A time a little ahead lets
   * other processes re-read the ring before the switch (see KEY_RING_REFRESH_MS).
   */
  async rotate(at: Date = new Date()): Promise<PublicSigningKey> {
    const added = await this.provider.rotate(at);
    await this.refresh();
    return added;
  }

  private get(kid: string): RingKey {
    const key = this.byKid.get(kid);
    if (!key) throw new SigningKeyNotFoundError(kid);
    return key;
  }

  private currentSigner(at?: Date): CurrentSigner {
    const now = at?.getTime() ?? Date.now();
    const cached = this.current;
    if (cached && now >= cached.from && now < cached.until) return cached;
    const key = keyValidAt(this.ring, new Date(now));
    if (!key) throw new NoCurrentSigningKeyError(new Date(now));
    this.current = {
      key,
      from: key.validFrom.getTime(),
      until: key.validUntil?.getTime() ?? Infinity,
      sign: this.provider.syncSigner(key.kid),
    };
    return this.current;
  }

  private async refreshQuietly(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      // Keep signing with what we have: the keys in memory are still correct until a rotation.
      this.logger.error(
        `could not re-read the signing keys: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
