import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfigValues } from 'src/config/config';
import { LocalKeyFileProvider } from 'src/signing/local-key-file.provider';
import { publishExclusive } from 'src/signing/private-files';
import { SigningPassphraseRequiredError } from 'src/signing/signing.errors';

export const DEFAULT_KEY_FILE_NAME = 'signing-keys.json';
export const GENERATED_PASSPHRASE_FILE_NAME = 'signing-key-passphrase';

export interface SigningKeySettings {
  file: string;
  passphrase: string;
  /** The generated passphrase's file in DATA_DIR; null when the configuration gave one. */
  passphraseFile: string | null;
}

type SigningConfig = Pick<
  AppConfigValues,
  'SIGNING_KEY_FILE' | 'SIGNING_KEY_PASSPHRASE' | 'DATABASE_URL' | 'DATA_DIR'
>;

/**
 * Where the key ring is and what opens it. A configured passphrase always wins. Without one,
 * the embedded default (no DATABASE_URL, a single machine trying the product) gets a random
 * passphrase generated once into DATA_DIR, with a warning, since a passphrase beside the file
 * protects little; with DATABASE_URL (production) start-up stops and says what to set.
 */
export async function resolveSigningKeySettings(
  config: SigningConfig,
  warn: (message: string) => void,
): Promise<SigningKeySettings> {
  const file = config.SIGNING_KEY_FILE ?? join(config.DATA_DIR, DEFAULT_KEY_FILE_NAME);
  if (config.SIGNING_KEY_PASSPHRASE !== undefined) {
    return { file, passphrase: config.SIGNING_KEY_PASSPHRASE, passphraseFile: null };
  }
  if (config.DATABASE_URL !== undefined) throw new SigningPassphraseRequiredError(file);
  const passphraseFile = join(config.DATA_DIR, GENERATED_PASSPHRASE_FILE_NAME);
  await mkdir(config.DATA_DIR, { recursive: true, mode: 0o700 });
  // Exclusive: two processes starting together keep the same passphrase.
  const created = await publishExclusive(
    passphraseFile,
    `${randomBytes(32).toString('base64url')}\n`,
  );
  const passphrase = (await readFile(passphraseFile, 'utf8')).trim();
  if (passphrase.length < 16) {
    throw new Error(
      `${passphraseFile} holds no usable passphrase (at least 16 characters); set SIGNING_KEY_PASSPHRASE instead`,
    );
  }
  warn(
    `signing key ring ${file} is encrypted with a passphrase ${created ? 'generated into' : 'read from'} ${passphraseFile}; ` +
      'production must set SIGNING_KEY_PASSPHRASE (with DATABASE_URL it is required)',
  );
  return { file, passphrase, passphraseFile };
}

/** Opens the local key file the configuration names (creating it on first start). */
export async function openLocalKeyProvider(
  config: SigningConfig,
  warn: (message: string) => void,
): Promise<LocalKeyFileProvider> {
  const { file, passphrase } = await resolveSigningKeySettings(config, warn);
  return LocalKeyFileProvider.open({ file, passphrase });
}
