import { createPrivateKey, generateKeyPairSync, KeyObject, sign as ed25519Sign } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jwkThumbprint, rawPublicKeyOf } from 'src/signing/ed25519-keys';
import {
  DEFAULT_SCRYPT,
  KeyRingContents,
  openKeyRing,
  ScryptParams,
  sealKeyRing,
  StoredKey,
} from 'src/signing/key-file';
import {
  isErrno,
  publishExclusive,
  replaceAtomically,
  withLockFile,
} from 'src/signing/private-files';
import {
  keyValidAt,
  PublicSigningKey,
  SigningKeyProvider,
  SyncSigner,
} from 'src/signing/signing-key-provider';
import {
  KeyRingFileError,
  NoCurrentSigningKeyError,
  SigningKeyNotFoundError,
  SigningKeyNotValidError,
  SigningKeyRotationError,
} from 'src/signing/signing.errors';

export interface LocalKeyFileOptions {
  file: string;
  passphrase: string;
  /** scrypt cost for files this provider writes; tests lower it. */
  scrypt?: ScryptParams;
}

interface LoadedKey extends PublicSigningKey {
  readonly privateKey: KeyObject;
}

/** What identifies one version of the file, to notice that another process rewrote it. */
type FileStamp = string;

/**
 * The key ring in one file encrypted at rest (see key-file.ts). Private keys are decrypted into
 * this process only and never returned. The file is created with one key on first start;
 * rotations rewrite it atomically under a lock file, and every read notices a rewrite by another
 * process (the CLI) through the file's identity.
 */
export class LocalKeyFileProvider extends SigningKeyProvider {
  private ring: LoadedKey[] = [];
  private stamp: FileStamp = '';
  private reloading?: Promise<void>;

  private constructor(
    readonly file: string,
    private readonly passphrase: string,
    private readonly scrypt: ScryptParams,
  ) {
    super();
  }

  /**
   * Opens the key ring, creating it with one key valid from `now` when the file does not exist.
   * Two processes starting at once end with the same ring: the file appears whole (written
   * aside, then hard-linked into place, which fails if it exists) and the loser reads it.
   */
  static async open(options: LocalKeyFileOptions, now = new Date()): Promise<LocalKeyFileProvider> {
    const provider = new LocalKeyFileProvider(
      options.file,
      options.passphrase,
      options.scrypt ?? DEFAULT_SCRYPT,
    );
    if (!(await provider.reload({ missingOk: true }))) {
      const contents: KeyRingContents = { keys: [newStoredKey(now)] };
      await mkdir(dirname(provider.file), { recursive: true, mode: 0o700 });
      const text = await sealKeyRing(contents, provider.passphrase, provider.scrypt);
      if (await publishExclusive(provider.file, text)) await provider.adopt(contents);
      // Another process created the file first: its ring is the ring.
      else await provider.reload({ missingOk: false });
    }
    return provider;
  }

  async keys(): Promise<PublicSigningKey[]> {
    await this.refreshIfChanged();
    return this.ring.map(publicPart);
  }

  async currentKeyId(): Promise<string> {
    await this.refreshIfChanged();
    const now = new Date();
    const key = keyValidAt(this.ring, now);
    if (!key) throw new NoCurrentSigningKeyError(now);
    return key.kid;
  }

  async sign(kid: string, message: Buffer): Promise<Buffer> {
    await this.refreshIfChanged();
    return this.signerFor(this.find(kid))(message);
  }

  override syncSigner(kid: string): SyncSigner {
    return this.signerFor(this.find(kid));
  }

  async rotate(at: Date): Promise<PublicSigningKey> {
    return withLockFile(`${this.file}.lock`, async () => {
      // Under the lock, from the file itself: another process may have rotated since our read.
      await this.reload({ missingOk: false });
      const newest = this.ring[this.ring.length - 1];
      if (at.getTime() <= newest.validFrom.getTime()) {
        throw new SigningKeyRotationError(
          `a rotation must start after the newest key's start (${newest.validFrom.toISOString()}), got ${at.toISOString()}`,
        );
      }
      const stored = this.ring.map((k) => storedKey(k, k === newest ? at : (k.validUntil as Date)));
      const added = newStoredKey(at);
      const contents = { keys: [...stored, added] };
      await replaceAtomically(this.file, await sealKeyRing(contents, this.passphrase, this.scrypt));
      await this.adopt(contents);
      return publicPart(this.find(added.kid));
    });
  }

  private find(kid: string): LoadedKey {
    const key = this.ring.find((k) => k.kid === kid);
    if (!key) throw new SigningKeyNotFoundError(kid);
    return key;
  }

  /** The private key signs only inside its window, whatever the caller believes. */
  private signerFor(key: LoadedKey): SyncSigner {
    const from = key.validFrom.getTime();
    const until = key.validUntil?.getTime() ?? Infinity;
    return (message) => {
      const now = Date.now();
      if (now >= until) throw new SigningKeyNotValidError(key.kid, 'retired');
      if (now < from) throw new SigningKeyNotValidError(key.kid, 'not yet valid');
      return ed25519Sign(null, message, key.privateKey);
    };
  }

  private async refreshIfChanged(): Promise<void> {
    if ((await fileStamp(this.file)) === this.stamp) return;
    this.reloading ??= this.reload({ missingOk: true })
      .then(() => undefined)
      .finally(() => (this.reloading = undefined));
    await this.reloading;
  }

  /** Takes what this process just wrote (under the lock, or by creating the file) as the state. */
  private async adopt(contents: KeyRingContents): Promise<void> {
    this.ring = loadKeys(this.file, contents);
    this.stamp = await fileStamp(this.file);
  }

  /** Reads and decrypts the file; false when it does not exist (and `missingOk`). */
  private async reload({ missingOk }: { missingOk: boolean }): Promise<boolean> {
    let text: string;
    let stamp: FileStamp;
    try {
      stamp = await fileStamp(this.file);
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (missingOk && isErrno(error, 'ENOENT')) return false;
      throw error;
    }
    const contents = await openKeyRing(this.file, text, this.passphrase);
    this.ring = loadKeys(this.file, contents);
    this.stamp = stamp;
    return true;
  }
}

function newStoredKey(validFrom: Date): StoredKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    kid: jwkThumbprint(rawPublicKeyOf(privateKey)),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    validFrom: validFrom.toISOString(),
    validUntil: null,
  };
}

function storedKey(key: LoadedKey, validUntil: Date | null): StoredKey {
  return {
    kid: key.kid,
    privateKey: key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    validFrom: key.validFrom.toISOString(),
    validUntil: validUntil?.toISOString() ?? null,
  };
}

function publicPart(key: LoadedKey): PublicSigningKey {
  return {
    kid: key.kid,
    publicKey: Buffer.from(key.publicKey),
    validFrom: key.validFrom,
    validUntil: key.validUntil,
  };
}

/**
 * Imports the decrypted keys and checks what the ring promises: every kid is its key's
 * thumbprint, and the windows follow each other without gap or overlap, the last one open.
 */
function loadKeys(file: string, contents: KeyRingContents): LoadedKey[] {
  const keys = contents.keys.map((stored): LoadedKey => {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({
        key: Buffer.from(stored.privateKey, 'base64'),
        format: 'der',
        type: 'pkcs8',
      });
    } catch {
      throw new KeyRingFileError(file, 'corrupt', `key ${stored.kid} is not a PKCS#8 key`);
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new KeyRingFileError(file, 'corrupt', `key ${stored.kid} is not an Ed25519 key`);
    }
    const publicKey = rawPublicKeyOf(privateKey);
    if (jwkThumbprint(publicKey) !== stored.kid) {
      throw new KeyRingFileError(file, 'corrupt', `key id ${stored.kid} does not match its key`);
    }
    return {
      kid: stored.kid,
      publicKey,
      privateKey,
      validFrom: new Date(stored.validFrom),
      validUntil: stored.validUntil === null ? null : new Date(stored.validUntil),
    };
  });
  keys.forEach((key, i) => {
    const next = keys[i + 1];
    const chained = next
      ? key.validUntil !== null &&
        key.validUntil.getTime() === next.validFrom.getTime() &&
        key.validFrom.getTime() < key.validUntil.getTime()
      : key.validUntil === null;
    if (!chained) {
      throw new KeyRingFileError(file, 'corrupt', `validity window of key ${key.kid} is broken`);
    }
  });
  return keys;
}

async function fileStamp(file: string): Promise<FileStamp> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 'missing';
    throw error;
  }
}
