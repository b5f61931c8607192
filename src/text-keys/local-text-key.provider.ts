import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SCRYPT, derive, ScryptParams } from 'src/signing/key-file';
import { isErrno, publishExclusive } from 'src/signing/private-files';
import { KekScope, kekId, parseKekId, TextKeyProvider } from 'src/text-keys/text-key-provider';
import { TextKeyStoreError } from 'src/text-keys/text-keys.errors';

const MASTER_FILE = 'master.json';
const MASTER_FORMAT = 'interpretable-audit/text-key-master';
const IV = 12;
const TAG = 16;
const KEY = 32;
/** A KEK another process may have destroyed is trusted from memory this long at most. */
const CACHE_MS = 60_000;

export interface LocalTextKeyOptions {
  dir: string;
  passphrase: string;
  /** scrypt cost for a new folder's master key; tests lower it. */
  scrypt?: ScryptParams;
}

interface MasterFile {
  format: string;
  version: 1;
  kdf: ScryptParams & { salt: string };
  passphraseCheck: string;
}

/**
 * KEKs as files in a folder outside the database: `<tenant>/<day>.<generation>.kek`, each a
 * random 32-byte key sealed (AES-256-GCM, its id as associated data) under a master key derived
 * from the passphrase (scrypt parameters and salt in `master.json`), so a copy of the folder
 * alone opens nothing. Files appear whole (written aside, then linked into place) and several
 * processes share the folder: the newest generation is read from the folder on every wrap.
 * Destroying overwrites the file with zeros before unlinking it.
 */
export class LocalTextKeyProvider extends TextKeyProvider {
  private readonly cache = new Map<string, { key: Buffer; at: number }>();

  private constructor(
    readonly dir: string,
    private readonly master: Buffer,
  ) {
    super();
  }

  /** Opens the folder, creating it and its master file on first use. */
  static async open(options: LocalTextKeyOptions): Promise<LocalTextKeyProvider> {
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const file = join(options.dir, MASTER_FILE);
    const params = options.scrypt ?? DEFAULT_SCRYPT;
    const salt = randomBytes(16);
    const fresh = await derive(options.passphrase, salt, params);
    const master: MasterFile = {
      format: MASTER_FORMAT,
      version: 1,
      kdf: { ...params, salt: salt.toString('base64') },
      passphraseCheck: fresh.check.toString('base64'),
    };
    if (await publishExclusive(file, `${JSON.stringify(master, null, 2)}\n`)) {
      return new LocalTextKeyProvider(options.dir, fresh.key);
    }
    fresh.key.fill(0);
    // The folder existed (or another process made it first): its master file decides.
    const stored = readMaster(file, await readFile(file, 'utf8'));
    const opened = await derive(
      options.passphrase,
      Buffer.from(stored.kdf.salt, 'base64'),
      stored.kdf,
    );
    const check = Buffer.from(stored.passphraseCheck, 'base64');
    if (check.length !== opened.check.length || !timingSafeEqual(check, opened.check)) {
      opened.key.fill(0);
      throw new TextKeyStoreError(`${file}: the passphrase does not open this key folder`);
    }
    return new LocalTextKeyProvider(options.dir, opened.key);
  }

  describe(): string {
    return `local key folder ${this.dir}`;
  }

  async wrap(
    scope: KekScope,
    keys: readonly { recordId: string; dataKey: Buffer }[],
  ): Promise<{ kekId: string; wrapped: Buffer[] }> {
    const generations = await this.generations(scope.tenantId, scope.day);
    const id = kekId(scope, generations.at(-1) ?? (await this.create(scope, 1)));
    const kek = await this.load(id);
    if (!kek) throw new TextKeyStoreError(`${id}: the newest key of its day is missing`);
    return {
      kekId: id,
      wrapped: keys.map(({ recordId, dataKey }) => seal(kek, dataKey, recordId)),
    };
  }

  async unwrap(id: string, recordId: string, wrapped: Buffer): Promise<Buffer | null> {
    const kek = await this.load(id);
    return kek && unseal(kek, wrapped, recordId, `the wrapped key of record ${recordId}`);
  }

  async rotate(id: string): Promise<string> {
    const parsed = this.parse(id);
    const generations = await this.generations(parsed.tenantId, parsed.day);
    return kekId(parsed, await this.create(parsed, (generations.at(-1) ?? 0) + 1));
  }

  async destroy(id: string): Promise<void> {
    const file = this.fileOf(this.parse(id));
    this.cache.get(id)?.key.fill(0);
    this.cache.delete(id);
    try {
      const handle = await open(file, 'r+');
      try {
        const { size } = await handle.stat();
        await handle.write(Buffer.alloc(size), 0, size, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(file);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
    }
  }

  async list(tenantId: string): Promise<{ kekId: string; newest: boolean }[]> {
    const byDay = new Map<string, number[]>();
    for (const name of await this.names(tenantId)) {
      const [day, generation] = name;
      byDay.set(day, [...(byDay.get(day) ?? []), generation]);
    }
    return [...byDay].flatMap(([day, generations]) => {
      const newest = Math.max(...generations);
      return generations
        .sort((a, b) => a - b)
        .map((g) => ({ kekId: kekId({ tenantId, day }, g), newest: g === newest }));
    });
  }

  /** Creates generation `generation` of the scope; an existing one (another process) is kept. */
  private async create(scope: KekScope, generation: number): Promise<number> {
    const id = kekId(scope, generation);
    const key = randomBytes(KEY);
    await mkdir(join(this.dir, scope.tenantId), { recursive: true, mode: 0o700 });
    const sealed = seal(this.master, key, id);
    await publishExclusive(this.fileOf({ ...scope, generation }), sealed.toString('base64'));
    key.fill(0);
    return generation;
  }

  private async load(id: string): Promise<Buffer | null> {
    const cached = this.cache.get(id);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.key;
    let text: string;
    try {
      text = await readFile(this.fileOf(this.parse(id)), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) {
        this.cache.delete(id);
        return null;
      }
      throw error;
    }
    const key = unseal(this.master, Buffer.from(text, 'base64'), id, `key file of ${id}`);
    this.cache.set(id, { key, at: Date.now() });
    return key;
  }

  private async generations(tenantId: string, day: string): Promise<number[]> {
    return (await this.names(tenantId))
      .filter(([d]) => d === day)
      .map(([, g]) => g)
      .sort((a, b) => a - b);
  }

  /** The (day, generation) of each KEK file of the tenant. */
  private async names(tenantId: string): Promise<[string, number][]> {
    let files: string[];
    try {
      files = await readdir(join(this.dir, tenantId));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    return files.flatMap((f) => {
      const match = /^(\d{4}-\d{2}-\d{2})\.([1-9]\d{0,8})\.kek$/.exec(f);
      return match ? [[match[1], Number(match[2])] as [string, number]] : [];
    });
  }

  private parse(id: string): KekScope & { generation: number } {
    const parsed = parseKekId(id);
    if (!parsed) throw new TextKeyStoreError(`not a key id: ${JSON.stringify(id)}`);
    return parsed;
  }

  private fileOf(k: KekScope & { generation: number }): string {
    return join(this.dir, k.tenantId, `${k.day}.${k.generation}.kek`);
  }
}

/** AES-256-GCM of a 32-byte key under `key`, bound to `context`: iv ‖ tag ‖ ciphertext. */
function seal(key: Buffer, plain: Buffer, context: string): Buffer {
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

function unseal(key: Buffer, sealed: Buffer, context: string, what: string): Buffer {
  if (sealed.length !== IV + TAG + KEY) {
    throw new TextKeyStoreError(`${what} has ${sealed.length} bytes, not ${IV + TAG + KEY}`);
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(sealed.subarray(IV, IV + TAG));
    return Buffer.concat([decipher.update(sealed.subarray(IV + TAG)), decipher.final()]);
  } catch {
    throw new TextKeyStoreError(`${what} does not open: altered, or sealed under another key`);
  }
}

function readMaster(file: string, text: string): MasterFile {
  let parsed: Partial<MasterFile>;
  try {
    parsed = JSON.parse(text) as Partial<MasterFile>;
  } catch {
    throw new TextKeyStoreError(`${file} is not JSON`);
  }
  if (parsed.format !== MASTER_FORMAT || parsed.version !== 1 || !parsed.kdf) {
    throw new TextKeyStoreError(`${file} is not a version 1 ${MASTER_FORMAT} file`);
  }
  return parsed as MasterFile;
}
