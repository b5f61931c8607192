import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ArtifactNotFoundError } from 'src/artifacts/artifact-store';
import { LocalFolderArtifactStore } from 'src/artifacts/local-folder-artifact-store';

describe('LocalFolderArtifactStore', () => {
  let dir: string;
  let store: LocalFolderArtifactStore;
  let source: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'artifacts-'));
    store = new LocalFolderArtifactStore(join(dir, 'store'));
    source = join(dir, 'source.bin');
    writeFileSync(source, 'evidence bytes');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores a file under its key with the SHA-256 of its bytes, and reads it back', async () => {
    const stored = await store.putFile('tenant-a/report-1/report.pdf', source);
    const sha256 = createHash('sha256').update('evidence bytes').digest('hex');
    expect(stored).toEqual({ key: 'tenant-a/report-1/report.pdf', sha256, bytes: 14 });
    expect(await store.stat('tenant-a/report-1/report.pdf')).toEqual(stored);
    expect(await text(await store.open('tenant-a/report-1/report.pdf'))).toBe('evidence bytes');
  });

  it('leaves no temporary file behind and overwrites the same key whole', async () => {
    await store.putFile('t/r/a.zip', source);
    writeFileSync(source, 'second version');
    const again = await store.putFile('t/r/a.zip', source);
    expect(again.bytes).toBe(14);
    expect(readdirSync(join(dir, 'store', 't', 'r')).sort()).toEqual(['a.zip', 'a.zip.sha256']);
    expect(await text(await store.open('t/r/a.zip'))).toBe('second version');
  });

  it('says when there is no artifact', async () => {
    expect(await store.stat('t/r/none.pdf')).toBeNull();
    await expect(store.open('t/r/none.pdf')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('refuses keys that could leave the store', async () => {
    for (const key of ['../x', '/etc/passwd', 't/../../x', 't//x', '', 't/.hidden', 't/a b']) {
      await expect(store.putFile(key, source)).rejects.toThrow(/not an artifact key/);
    }
  });

  it('does not count a file without its checksum as stored (a crash between the two renames)', async () => {
    await store.putFile('t/r/a.pdf', source);
    rmSync(join(dir, 'store', 't', 'r', 'a.pdf.sha256'));
    expect(await store.stat('t/r/a.pdf')).toBeNull();
  });
});
