import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { JsonlFile } from 'src/reports/build/jsonl-file';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import {
  dosDateTime,
  writeZip,
  type FileSource,
  type ZipSource,
} from 'src/reports/evidence-package/package-zip';
import { readZip } from 'src/verifier/zip';

const TIME = new Date('2026-06-01T23:59:59.000Z');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'package-zip-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** JSON Lines like a package's: compressible, about 3 MB, with a multi-byte character. */
function lines(count: number, seed: string): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ i, seed, leaf: sha256(Buffer.from(`${seed}${i}`)), note: 'é'.repeat(i % 7) }),
  ).map((line) => line + ' '.repeat(300));
}

async function entriesOf(): Promise<{ entries: ZipSource[]; contents: Map<string, Buffer> }> {
  const contents = new Map<string, Buffer>();
  const entries: ZipSource[] = [];
  const add = (path: string, data: Buffer, source: FileSource) => {
    contents.set(path, data);
    entries.push({ path, source, sha256: sha256(data), bytes: data.length });
  };
  add('manifest.json', Buffer.from('{"format":"x"}'), Buffer.from('{"format":"x"}'));
  add('empty.txt', Buffer.alloc(0), Buffer.alloc(0));
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
  await writeFile(join(dir, 'report.pdf'), pdf);
  add('report.pdf', pdf, join(dir, 'report.pdf'));
  const proofs = Buffer.from(lines(9_000, 'proof').join('\n') + '\n');
  await writeFile(join(dir, 'proofs.jsonl'), proofs);
  add('proofs.jsonl', proofs, join(dir, 'proofs.jsonl'));
  const records = new JsonlFile(join(dir, 'records.jsonl.deflate'));
  const recordLines = lines(9_000, 'record');
  for (const line of recordLines) await records.write(line);
  add('records.jsonl', Buffer.from(recordLines.join('\n') + '\n'), await records.close());
  return { entries, contents };
}

/**
 * The writer this one replaced: yazl 3.3.1 with the options the package used (every entry
 * streamed, report.pdf stored, the rest deflated at level 1, mode 0644, DOS time only, given in
 * UTC wall-clock time). Packages written before keep their meaning only if the bytes are the same.
 */
async function yazlZip(contents: Map<string, Buffer>, out: string): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [path, data] of contents) {
    zip.addReadStreamLazy(
      path,
      {
        mtime: new UtcWallClock(TIME.getTime()),
        mode: 0o100644,
        compressionLevel: path === 'report.pdf' ? 0 : 1,
        forceDosTimestamp: true,
        size: data.length,
      },
      (callback) => callback(null, Readable.from([data])),
    );
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(out));
  return readFileSync(out);
}

class UtcWallClock extends Date {
  override getFullYear(): number {
    return this.getUTCFullYear();
  }
  override getMonth(): number {
    return this.getUTCMonth();
  }
  override getDate(): number {
    return this.getUTCDate();
  }
  override getHours(): number {
    return this.getUTCHours();
  }
  override getMinutes(): number {
    return this.getUTCMinutes();
  }
  override getSeconds(): number {
    return this.getUTCSeconds();
  }
}

describe('writeZip', () => {
  let written: Buffer;
  let result: { sha256: string; bytes: number };
  let contents: Map<string, Buffer>;

  beforeAll(async () => {
    const built = await entriesOf();
    contents = built.contents;
    result = await writeZip(built.entries, TIME, join(dir, 'package.zip'));
    written = readFileSync(join(dir, 'package.zip'));
  });

  it('writes byte for byte what yazl wrote, a file deflated as it was written included', async () => {
    const before = await yazlZip(contents, join(dir, 'yazl.zip'));
    expect(written.length).toBe(before.length);
    expect(written.equals(before)).toBe(true);
  });

  it('returns the SHA-256 and size of what it wrote, and leaves no .partial file', () => {
    expect(result).toEqual({ sha256: sha256(written), bytes: written.length });
    expect(existsSync(join(dir, 'package.zip.partial'))).toBe(false);
  });

  it('is read back entry for entry by our reader and by Info-ZIP unzip', () => {
    const read = readZip(written, 2 ** 31);
    expect(read.map((e) => e.name)).toEqual([...contents.keys()]);
    for (const entry of read) expect(entry.data.equals(contents.get(entry.name)!)).toBe(true);
    const test = spawnSync('unzip', ['-t', join(dir, 'package.zip')], { encoding: 'utf8' });
    expect(test.stdout).toContain('No errors detected');
    expect(test.status).toBe(0);
    const listing = spawnSync('zipinfo', ['-T', join(dir, 'package.zip'), 'records.jsonl'], {
      encoding: 'utf8',
    });
    // Deflated (flag bits 1-2 clear: "defN"), 0644, Unix, at 23:59:58 (DOS time's 2 s steps).
    expect(listing.stdout).toMatch(
      /^-rw-r--r-- +6\.3 unx .* defN 20260601\.235958 records\.jsonl/m,
    );
  });

  it('states times in UTC wall-clock time, clamped to what DOS can say', () => {
    expect(dosDateTime(TIME)).toEqual({
      date: (46 << 9) | (6 << 5) | 1,
      time: (23 << 11) | (59 << 5) | 29,
    });
    expect(dosDateTime(new Date('1970-01-01T00:00:00Z'))).toEqual({ date: (1 << 5) | 1, time: 0 });
  });
});

describe('writeZip refuses, leaving nothing behind', () => {
  async function refusal(change: (entries: ZipSource[]) => Promise<void>) {
    const { entries } = await entriesOf();
    await change(entries);
    const out = join(dir, 'refused.zip');
    const error = await writeZip(entries, TIME, out).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EvidencePackageError);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    return error as EvidencePackageError;
  }

  it('a file on disk whose bytes changed after they were hashed', async () => {
    const error = await refusal(async () => {
      await writeFile(join(dir, 'proofs.jsonl'), Buffer.alloc(5_000_000, 'x'));
    });
    expect(error).toMatchObject({ code: 'source_changed' });
    expect(error.message).toContain('proofs.jsonl changed while the package was written');
  });

  it('a deflated file that grew after it was closed', async () => {
    const error = await refusal(async () => {
      await appendFile(join(dir, 'records.jsonl.deflate'), Buffer.from([0]));
    });
    expect(error.message).toContain('records.jsonl changed while the package was written');
  });
});
