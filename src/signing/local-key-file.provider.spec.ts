import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKeyRing, ScryptParams } from 'src/signing/key-file';
import { LocalKeyFileProvider } from 'src/signing/local-key-file.provider';
import { KeyRingFileError, SigningKeyNotValidError } from 'src/signing/signing.errors';

// Cheap scrypt for the many opens below; one test uses the production default.
const FAST: ScryptParams = { N: 2 ** 10, r: 8, p: 1 };
const PASSPHRASE = 'correct horse battery staple';

describe('LocalKeyFileProvider', () => {
  let dir: string;
  let file: string;
  const open = (passphrase = PASSPHRASE) =>
    LocalKeyFileProvider.open({ file, passphrase, scrypt: FAST });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'signing-provider-'));
    file = join(dir, 'nested', 'signing-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function fileError(attempt: Promise<unknown>): Promise<KeyRingFileError> {
    try {
      await attempt;
    } catch (error) {
      if (error instanceof KeyRingFileError) return error;
      throw error;
    }
    throw new Error('the key file was accepted');
  }

  /** Rewrites one base64 field of the file with one byte of its decoded value flipped. */
  function flipDecodedByte(field: 'ciphertext' | 'tag', index: number): void {
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    const holder = field === 'tag' ? envelope.cipher : envelope;
    const bytes = Buffer.from(holder[field], 'base64');
    bytes[index % bytes.length] ^= 0x01;
    holder[field] = bytes.toString('base64');
    writeFileSync(file, JSON.stringify(envelope, null, 2));
  }

  it('creates a private file with one current key, and reopens it to the same ring', async () => {
    const created = await open();
    const keys = await created.keys();
    expect(keys).toHaveLength(1);
    expect(keys[0].validUntil).toBeNull();
    expect(keys[0].publicKey).toHaveLength(32);
    expect(await created.currentKeyId()).toBe(keys[0].kid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Nothing secret is readable in the file.
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('privateKey');
    expect(JSON.parse(text)).toMatchObject({ version: 1, kdf: { name: 'scrypt', N: FAST.N } });

    const reopened = await open();
    expect(await reopened.keys()).toEqual(keys);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['signing-keys.json']);
  });

  it('opens with the production scrypt cost', async () => {
    const created = await LocalKeyFileProvider.open({ file, passphrase: PASSPHRASE });
    const reopened = await LocalKeyFileProvider.open({ file, passphrase: PASSPHRASE });
    expect(await reopened.keys()).toEqual(await created.keys());
    expect(JSON.parse(readFileSync(file, 'utf8')).kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
  });

  it('refuses a wrong passphrase, naming the file', async () => {
    await open();
    const error = await fileError(open('not the right passphrase'));
    expect(error.problem).toBe('wrong_passphrase');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/wrong passphrase/);
  });

  it.each([0, 7, 40])('refuses the file with ciphertext byte %i flipped, as corrupt', async (i) => {
    await open();
    flipDecodedByte('ciphertext', i);
    const error = await fileError(open());
    expect(error.problem).toBe('corrupt');
    expect(error.message).toContain(file);
  });

  it.each([0, 15])('refuses the file with tag byte %i flipped, as corrupt', async (i) => {
    await open();
    flipDecodedByte('tag', i);
    expect((await fileError(open())).problem).toBe('corrupt');
  });

  it('refuses every single-byte change anywhere in the file', async () => {
    await open();
    const text = readFileSync(file, 'utf8');
    const problems = new Set<string>();
    for (let i = 0; i < text.length; i++) {
      const mutated =
        text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 0x01) + text.slice(i + 1);
      problems.add((await fileError(openKeyRing(file, mutated, PASSPHRASE))).problem);
    }
    expect(problems.has('corrupt')).toBe(true);
  });

  it('refuses a file from a newer version, and a file that is not a key ring', async () => {
    await open();
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...envelope, version: 2 }));
    const newer = await fileError(open());
    expect(newer.problem).toBe('unsupported_version');
    expect(newer.message).toMatch(/version 2; this build reads version 1/);
    writeFileSync(file, '{"hello": "world"}');
    expect((await fileError(open())).problem).toBe('corrupt');
    writeFileSync(file, '');
    expect((await fileError(open())).message).toMatch(/corrupt .*not JSON/);
  });

  it('gives providers opening the same missing file together one identical ring', async () => {
    const providers = await Promise.all([open(), open(), open(), open()]);
    const rings = await Promise.all(providers.map((p) => p.keys()));
    expect(rings[0]).toHaveLength(1);
    for (const ring of rings) expect(ring).toEqual(rings[0]);
    expect(await (await open()).keys()).toEqual(rings[0]);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['signing-keys.json']);
  });

  it('rotates: the old key stops signing, the ring keeps it with its window', async () => {
    const provider = await open();
    const [old] = await provider.keys();
    const message = Buffer.from('leaf');
    await provider.sign(old.kid, message);
    const at = new Date();
    const added = await provider.rotate(at);
    const keys = await provider.keys();
    expect(keys.map((k) => [k.kid, k.validFrom, k.validUntil])).toEqual([
      [old.kid, old.validFrom, at],
      [added.kid, at, null],
    ]);
    expect(await provider.currentKeyId()).toBe(added.kid);
    await expect(provider.sign(old.kid, message)).rejects.toThrow(SigningKeyNotValidError);
    expect(() => provider.syncSigner(old.kid)(message)).toThrow(/retired/);
    expect(await provider.sign(added.kid, message)).toHaveLength(64);
    // The rewrite is atomic and private, and the next start reads the rotated ring.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await (await open()).keys()).toEqual(keys);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['signing-keys.json']);
  });

  it('sees a rotation made by another process (the CLI) in the same file', async () => {
    const server = await open();
    const cli = await open();
    const added = await cli.rotate(new Date());
    expect((await server.keys()).map((k) => k.kid)).toContain(added.kid);
    expect(await server.currentKeyId()).toBe(added.kid);
  });

  it('serialises concurrent rotations: none is lost', async () => {
    const a = await open();
    const b = await open();
    const now = Date.now();
    // Whichever takes the lock second must start after the first: it may be refused, never lost.
    const results = await Promise.allSettled([
      a.rotate(new Date(now + 1000)),
      b.rotate(new Date(now + 2000)),
    ]);
    const added = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.kid] : []));
    for (const r of results) {
      if (r.status === 'rejected') expect(String(r.reason)).toMatch(/must start after/);
    }
    const kids = (await (await open()).keys()).map((k) => k.kid);
    expect(added.length).toBeGreaterThanOrEqual(1);
    expect(kids).toHaveLength(1 + added.length);
    for (const kid of added) expect(kids).toContain(kid);
  });

  it('refuses a rotation that does not start after the newest key', async () => {
    const provider = await open();
    const [key] = await provider.keys();
    await expect(provider.rotate(key.validFrom)).rejects.toThrow(/must start after/);
  });
});
