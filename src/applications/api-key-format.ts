import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const KEY_PATTERN = /^iak_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  /** The whole key, shown once: `iak_<prefix>_<secret>`. */
  key: string;
  /** Public part, stored and shown in lists to tell keys apart. */
  prefix: string;
  /** SHA-256 of the whole key: the only form the secret is kept in. */
  hash: Buffer;
}

/**
 * `iak_` (interpretable-audit key, so secret scanners and people recognise it), 12 random
 * lower-case characters of public prefix, and 256 random bits of secret.
 */
export function generateApiKey(): NewApiKey {
  let prefix = '';
  for (let i = 0; i < 12; i++) prefix += PREFIX_ALPHABET[randomInt(PREFIX_ALPHABET.length)];
  const key = `iak_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a well-formed key, or undefined for anything else. */
export function apiKeyPrefix(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export function apiKeyMatches(key: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(key);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
