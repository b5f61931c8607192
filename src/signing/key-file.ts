import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  scrypt,
  timingSafeEqual,
} from 'node:crypto';
import { KeyRingFileError } from 'src/signing/signing.errors';

/**
 * The on-disk form of the key ring: a small JSON envelope around the AES-256-GCM ciphertext of
 * the keys. The passphrase goes through scrypt with a random salt; the scrypt parameters are in
 * the file so they can be raised later without breaking old files. Pure functions, no I/O.
 */

export const KEY_FILE_FORMAT = 'interpretable-audit/signing-keys';
export const KEY_FILE_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
}

// OWASP's scrypt recommendation (128 MiB, about 0.35 s here): paid once per start and per
// rotation, never per signature.
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

/** One key as stored inside the ciphertext. */
export interface StoredKey {
  kid: string;
  /** PKCS#8 DER, base64. */
  privateKey: string;
  validFrom: string;
  validUntil: string | null;
}

export interface KeyRingContents {
  keys: StoredKey[];
}

interface KeyFileEnvelope {
  format: string;
  version: number;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  /** SHA-256 of the second half of the scrypt output: tells a wrong passphrase from damage. */
  passphraseCheck: string;
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}

const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Encrypts the key ring into the text of the file. */
export async function sealKeyRing(
  contents: KeyRingContents,
  passphrase: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const { key, check } = await derive(passphrase, salt, params);
  const kdf = { name: 'scrypt' as const, ...params, salt: salt.toString('base64') };
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(associatedData(KEY_FILE_VERSION, kdf));
  const plaintext = Buffer.from(JSON.stringify(contents), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  plaintext.fill(0);
  const envelope: KeyFileEnvelope = {
    format: KEY_FILE_FORMAT,
    version: KEY_FILE_VERSION,
    kdf,
    passphraseCheck: check.toString('base64'),
    cipher: {
      name: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    },
    ciphertext: ciphertext.toString('base64'),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

/**
 * Decrypts the text of `file`. Throws KeyRingFileError saying whether the passphrase is wrong,
 * the file is damaged, or it was written by a newer version.
 */
export async function openKeyRing(
  file: string,
  text: string,
  passphrase: string,
): Promise<KeyRingContents> {
  const envelope = readEnvelope(file, text);
  const { kdf } = envelope;
  const salt = strictBase64(file, kdf.salt, 'kdf.salt', SALT_BYTES);
  const iv = strictBase64(file, envelope.cipher.iv, 'cipher.iv', IV_BYTES);
  const tag = strictBase64(file, envelope.cipher.tag, 'cipher.tag', TAG_BYTES);
  const ciphertext = strictBase64(file, envelope.ciphertext, 'ciphertext');
  const storedCheck = strictBase64(file, envelope.passphraseCheck, 'passphraseCheck', 32);
  const { key, check } = await derive(passphrase, salt, kdf);
  if (!timingSafeEqual(check, storedCheck)) {
    key.fill(0);
    // Without the passphrase an altered salt or cost looks the same as a wrong passphrase.
    throw new KeyRingFileError(
      file,
      'wrong_passphrase',
      'or its key-derivation header was altered',
    );
  }
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(envelope.version, kdf));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new KeyRingFileError(file, 'corrupt', 'the authentication tag does not match');
  } finally {
    key.fill(0);
  }
  try {
    return readContents(file, JSON.parse(plaintext.toString('utf8')));
  } catch (error) {
    if (error instanceof KeyRingFileError) throw error;
    throw new KeyRingFileError(file, 'corrupt', 'the decrypted key list is not JSON');
  } finally {
    plaintext.fill(0);
  }
}

/**
 * The derivation under way in this process: the next one waits for it. Each scrypt holds
 * 128 × N × r bytes (128 MiB at the default) while it runs, and a process opens the key ring and
 * the text-key folder at start-up at the same time: one after the other, its peak memory is one
 * derivation's, not two (the report worker's peak fell from 446 to 316 MB).
 */
let derivations: Promise<unknown> = Promise.resolve();

/**
 * scrypt of the passphrase: the first 32 bytes are the key, SHA-256 of the rest tells a wrong
 * passphrase from damage without revealing the key. Also opens the text-key folder's master key.
 */
export function derive(
  passphrase: string,
  salt: Buffer,
  params: ScryptParams,
): Promise<{ key: Buffer; check: Buffer }> {
  const next = derivations.then(
    () => scryptOnce(passphrase, salt, params),
    () => scryptOnce(passphrase, salt, params),
  );
  derivations = next.catch(() => undefined);
  return next;
}

async function scryptOnce(
  passphrase: string,
  salt: Buffer,
  params: ScryptParams,
): Promise<{ key: Buffer; check: Buffer }> {
  const out = await new Promise<Buffer>((resolve, reject) =>
    scrypt(
      passphrase.normalize('NFC'),
      salt,
      64,
      { ...params, maxmem: 256 * params.N * params.r + 16 * 1024 * 1024 },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    ),
  );
  const check = createHash('sha256').update(out.subarray(32)).digest();
  const key = Buffer.from(out.subarray(0, 32));
  out.fill(0);
  return { key, check };
}

/** The header is authenticated too, so it cannot be swapped while the ciphertext stays. */
function associatedData(version: number, kdf: KeyFileEnvelope['kdf']): Buffer {
  return Buffer.from(
    `${KEY_FILE_FORMAT}\n${version}\nscrypt N=${kdf.N} r=${kdf.r} p=${kdf.p} salt=${kdf.salt}`,
    'utf8',
  );
}

function readEnvelope(file: string, text: string): KeyFileEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyRingFileError(file, 'corrupt', 'not JSON');
  }
  if (!isRecord(parsed) || parsed.format !== KEY_FILE_FORMAT) {
    throw new KeyRingFileError(file, 'corrupt', `not a ${KEY_FILE_FORMAT} file`);
  }
  if (parsed.version !== KEY_FILE_VERSION) {
    const version = typeof parsed.version === 'number' ? parsed.version : String(parsed.version);
    throw new KeyRingFileError(
      file,
      'unsupported_version',
      `version ${version}; this build reads version ${KEY_FILE_VERSION}`,
    );
  }
  const { kdf, cipher } = parsed;
  const sane =
    isRecord(kdf) &&
    kdf.name === 'scrypt' &&
    isInt(kdf.N, 2 ** 10, 2 ** 22) &&
    ((kdf.N as number) & ((kdf.N as number) - 1)) === 0 &&
    isInt(kdf.r, 1, 32) &&
    isInt(kdf.p, 1, 16) &&
    typeof kdf.salt === 'string' &&
    isRecord(cipher) &&
    cipher.name === 'aes-256-gcm' &&
    typeof cipher.iv === 'string' &&
    typeof cipher.tag === 'string' &&
    typeof parsed.ciphertext === 'string' &&
    typeof parsed.passphraseCheck === 'string' &&
    Object.keys(parsed).length === 6;
  if (!sane) throw new KeyRingFileError(file, 'corrupt', 'unexpected header fields');
  return parsed as unknown as KeyFileEnvelope;
}

function readContents(file: string, value: unknown): KeyRingContents {
  const keys = isRecord(value) ? value.keys : undefined;
  const valid =
    Array.isArray(keys) &&
    keys.length > 0 &&
    keys.every(
      (k) =>
        isRecord(k) &&
        typeof k.kid === 'string' &&
        typeof k.privateKey === 'string' &&
        isIsoTime(k.validFrom) &&
        (k.validUntil === null || isIsoTime(k.validUntil)),
    );
  if (!valid) throw new KeyRingFileError(file, 'corrupt', 'unexpected key list');
  return { keys: keys as StoredKey[] };
}

/** Base64 that decodes and re-encodes to itself: Buffer.from alone skips stray characters. */
function strictBase64(file: string, text: string, field: string, bytes?: number): Buffer {
  const decoded = Buffer.from(text, 'base64');
  if (decoded.toString('base64') !== text || (bytes !== undefined && decoded.length !== bytes)) {
    throw new KeyRingFileError(file, 'corrupt', `${field} is not valid base64 of the right length`);
  }
  return decoded;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isInt(value: unknown, min: number, max: number): boolean {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

function isIsoTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}
