import { spawnSync } from 'node:child_process';
import { createHash, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { REPORT_PACKAGE_BYTES_CEILING } from 'src/config/config.schema';
import {
  MAX_PACKAGE_BYTES,
  sha256SumsText,
  type PackageManifest,
} from 'src/evidence-format/evidence-package';
import { writeEvidencePackage } from 'src/reports/evidence-package/evidence-package.builder';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import {
  GENERATED_AT,
  buildPackage,
  packageParts,
  signerFor,
  type PackageParts,
} from 'src/reports/evidence-package/evidence-package.fixtures';
import { renderReadme } from 'src/reports/evidence-package/package-readme';
import { buildLog, newKey } from 'src/verifier/verifier.fixtures';
import { readZip } from 'src/verifier/zip';

const log = buildLog(37);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'evidence-package-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The central directory records of a ZIP: name, method, DOS time and date, mode, extra length. */
function centralRecords(zip: Buffer) {
  const end = zip.length - 22;
  let at = zip.readUInt32LE(end + 16);
  const records = [];
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    records.push({
      name: zip.subarray(at + 46, at + 46 + nameLength).toString(),
      method: zip.readUInt16LE(at + 10),
      time: zip.readUInt16LE(at + 12),
      date: zip.readUInt16LE(at + 14),
      mode: zip.readUInt32LE(at + 38) >>> 16,
      extra,
    });
    at += 46 + nameLength + extra + zip.readUInt16LE(at + 32);
  }
  return records;
}

describe('writeEvidencePackage', () => {
  let zip: Buffer;
  let files: Map<string, Buffer>;
  let manifest: PackageManifest;

  beforeAll(async () => {
    zip = await buildPackage(packageParts({ log }), dir, 'good.zip');
    files = new Map(readZip(zip, 2 ** 31).map((e) => [e.name, e.data]));
    manifest = JSON.parse(files.get('manifest.json')!.toString()) as PackageManifest;
  });

  it('writes manifest.json, manifest.sig and README.md first, then every file by path', () => {
    const rest = [
      'SHA256SUMS',
      'checkpoint.txt',
      'entries.jsonl',
      `keys/${log.oldKey.kid}.pem`,
      `keys/${log.newKey.kid}.pem`,
      'keys/jwks.json',
      'model/loan-desk-lm/1.0.0/MODEL_CARD.md',
      'proofs.jsonl',
      'records.jsonl',
      'report.json',
      'report.pdf',
    ].sort((a, b) => (a < b ? -1 : 1));
    expect([...files.keys()]).toEqual(['manifest.json', 'manifest.sig', 'README.md', ...rest]);
  });

  it('lists every other file in a canonical manifest, signed by the named key', () => {
    const bytes = files.get('manifest.json')!;
    expect(bytes.toString()).toBe(canonicalJson(manifest));
    expect(manifest).toMatchObject({
      format: 'interpretable-audit-evidence-package',
      formatVersion: 1,
      signingKeyId: log.newKey.kid,
      generatedAt: GENERATED_AT,
      report: { recordCount: 30, entryCount: 7 },
    });
    expect(manifest.files.map((f) => f.path)).toEqual([...files.keys()].slice(2).sort());
    for (const file of manifest.files) {
      expect(file).toEqual({
        path: file.path,
        sha256: sha256(files.get(file.path)!),
        bytes: files.get(file.path)!.length,
      });
    }
    const signature = files.get('manifest.sig')!;
    expect(signature).toHaveLength(64);
    expect(verify(null, bytes, log.newKey.privateKey, signature)).toBe(true);
  });

  it('writes SHA256SUMS from the manifest and fills the README placeholders', () => {
    expect(files.get('SHA256SUMS')!.toString()).toBe(sha256SumsText(manifest.files));
    expect(files.get('SHA256SUMS')!.toString()).toMatch(/^[0-9a-f]{64} {2}README\.md\n/);
    const readme = files.get('README.md')!.toString();
    expect(readme).not.toContain('{{');
    expect(readme).toContain(`# Evidence package ${manifest.packageId}`);
    expect(readme).toContain(`-inkey keys/${log.newKey.kid}.pem -rawin -in manifest.json`);
  });

  it('stores report.pdf, deflates the rest, as 0644 files at generatedAt in UTC with no extra fields', () => {
    const records = centralRecords(zip);
    const at = new Date(GENERATED_AT);
    const dosTime = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5);
    const dosDate =
      ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
    for (const record of records) {
      expect(record).toEqual({
        name: record.name,
        method: record.name === 'report.pdf' ? 0 : 8,
        time: dosTime,
        date: dosDate,
        mode: 0o100644,
        extra: 0,
      });
    }
  });

  it('is reproducible: the same inputs give the same bytes, from buffers or from files', async () => {
    const again = await buildPackage(packageParts({ log }), dir, 'again.zip');
    expect(again.equals(zip)).toBe(true);
    const parts = packageParts({ log });
    for (const name of ['records.jsonl', 'proofs.jsonl', 'report.pdf']) {
      const path = join(dir, `source-${name}`);
      writeFileSync(path, parts.files.get(name) as Buffer);
      parts.files.set(name, path);
    }
    expect((await buildPackage(parts, dir, 'streamed.zip')).equals(zip)).toBe(true);
  });

  it('is reproducible in any time zone (DOS times have none)', () => {
    // Jest gives each test file its own copy of process.env, so TZ only takes effect in a
    // process of its own: build there under UTC and under UTC+13:45, and compare.
    const script = `
      const { packageParts, buildPackage } = require(${JSON.stringify(join(__dirname, 'evidence-package.fixtures.ts'))});
      (async () => {
        const parts = packageParts();
        process.env.TZ = 'UTC';
        const utc = await buildPackage(parts, ${JSON.stringify(dir)}, 'utc.zip');
        process.env.TZ = 'Pacific/Chatham';
        const chatham = await buildPackage(parts, ${JSON.stringify(dir)}, 'chatham.zip');
        console.log(JSON.stringify({ hour: new Date(0).getHours(), same: utc.equals(chatham) }));
      })();`;
    const child = spawnSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, SWC_NODE_PROJECT: 'tsconfig.json' },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ hour: 12, same: true });
  });

  it('returns the SHA-256 and size of the ZIP and leaves no .partial file', async () => {
    const out = join(dir, 'result.zip');
    const parts = packageParts({ log });
    const files = [...parts.files].map(([path, source]) => ({ path, source }));
    const result = await writeEvidencePackage(
      { manifest: parts.fields, signer: parts.signer, files },
      out,
    );
    expect(result).toEqual({ sha256: sha256(zip), bytes: zip.length, manifest });
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('writeEvidencePackage refuses', () => {
  async function refusal(change: (parts: PackageParts) => void, name: string) {
    const parts = packageParts({ log });
    change(parts);
    const error = await buildPackage(parts, dir, name).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EvidencePackageError);
    expect(existsSync(join(dir, name))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    return error as EvidencePackageError;
  }

  it.each([
    ['../records.jsonl', 'invalid_path'],
    ['/etc/passwd', 'invalid_path'],
    ['keys\\evil.pem', 'invalid_path'],
    ['model/./x.md', 'invalid_path'],
    ['.hidden', 'invalid_path'],
    ['manifest.json', 'reserved_path'],
    ['manifest.sig', 'reserved_path'],
    ['README.md', 'reserved_path'],
    ['SHA256SUMS', 'reserved_path'],
    ['REPORT.json', 'duplicate_path'],
  ])('a file named %s (%s)', async (path, code) => {
    const error = await refusal((parts) => parts.files.set(path, Buffer.from('x')), 'bad-path.zip');
    expect(error.code).toBe(code);
  });

  it('a path given twice', async () => {
    const parts = packageParts({ log });
    const files = [...parts.files].map(([path, source]) => ({ path, source }));
    files.push({ path: 'report.pdf', source: Buffer.from('again') });
    const out = join(dir, 'twice.zip');
    await expect(
      writeEvidencePackage({ manifest: parts.fields, signer: parts.signer, files }, out),
    ).rejects.toMatchObject({
      code: 'duplicate_path',
      message: expect.stringContaining('report.pdf is given twice') as string,
    });
  });

  it('a missing required file, and consistency.json without a previous checkpoint', async () => {
    expect((await refusal((p) => p.files.delete('proofs.jsonl'), 'x.zip')).code).toBe(
      'missing_file',
    );
    const extra = await refusal((p) => p.files.set('consistency.json', Buffer.from('{}')), 'x.zip');
    expect(extra.code).toBe('unexpected_file');
  });

  it('bad manifest fields', async () => {
    const error = await refusal((p) => {
      p.fields.generatedAt = '2026-06-01 00:40';
      p.fields.report.recordCount = -1;
    }, 'x.zip');
    expect(error.code).toBe('invalid_manifest_field');
    expect(error.message).toMatch(/generatedAt .* not RFC 3339 UTC.*report\.recordCount/);
  });

  it('a signer that signs with another key than it named (a rotation in between)', async () => {
    const other = newKey('2026-01-01T00:00:00Z');
    const error = await refusal((p) => {
      p.signer = { keyId: log.newKey.kid, sign: signerFor(other).sign };
    }, 'x.zip');
    expect(error.code).toBe('signer_key_changed');
  });

  it('a signature that does not verify under the named key of keys/jwks.json', async () => {
    const wrong = await refusal((p) => {
      p.signer = {
        keyId: log.newKey.kid,
        sign: (bytes) =>
          Promise.resolve({
            keyId: log.newKey.kid,
            signature: sign(null, bytes, log.oldKey.privateKey),
          }),
      };
    }, 'x.zip');
    expect(wrong.code).toBe('signature_invalid');
    const unknown = await refusal(
      (p) => (p.signer = signerFor(newKey('2026-01-01T00:00:00Z'))),
      'x.zip',
    );
    expect(unknown.message).toContain('keys/jwks.json has no key');
  });

  it('a file on disk that changes after it was hashed, leaving nothing behind', async () => {
    const source = join(dir, 'changing-records.jsonl');
    const error = await refusal((p) => {
      writeFileSync(source, p.files.get('records.jsonl') as Buffer);
      p.files.set('records.jsonl', source);
      const { sign: signManifest } = p.signer;
      p.signer = {
        keyId: p.signer.keyId,
        sign: (bytes) => {
          // Same length, other bytes: only the second hash, taken while zipping, can notice.
          writeFileSync(source, Buffer.alloc(statSync(source).size, 'x'));
          return signManifest(bytes);
        },
      };
    }, 'changing.zip');
    expect(error.code).toBe('source_changed');
  });
});

describe('renderReadme', () => {
  it('replaces placeholders and refuses unknown or malformed ones', () => {
    expect(renderReadme('a {{x}} b {{x}}', { x: '$&1' }).toString()).toBe('a $&1 b $&1');
    expect(() => renderReadme('{{nope}}', {})).toThrow('unknown placeholder {{nope}}');
    expect(() => renderReadme('{{ x }}', { x: '' })).toThrow('malformed');
  });
});

describe('REPORT_PACKAGE_MAX_BYTES', () => {
  it("is bounded by the evidence format's limit, which the verifier holds", () => {
    expect(REPORT_PACKAGE_BYTES_CEILING).toBe(MAX_PACKAGE_BYTES);
  });
});
