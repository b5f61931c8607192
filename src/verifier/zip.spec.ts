import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';
import {
  bufferSource,
  entryChunks,
  fileSource,
  listZip,
  readEntry,
  readZip,
  ZipFormatError,
  type ZipListing,
  type ZipSource,
} from 'src/verifier/zip';

/**
 * The reader's streaming half: entries inflated chunk by chunk from a Buffer or from a file read
 * where it lies, with the same bytes, sizes and CRCs as `readZip`, and the same refusals.
 */

/** One deflated entry in a ZIP, its headers stating `size` and `crc` (the true ones by default). */
function deflatedZip(name: string, data: Buffer, stated: { size?: number; crc?: number } = {}) {
  const nameBytes = Buffer.from(name, 'utf8');
  const packed = deflateRawSync(data);
  const size = stated.size ?? data.length;
  const crc = stated.crc ?? zlibCrc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const directory = Buffer.concat([central, nameBytes]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(30 + nameBytes.length + packed.length, 16);
  return Buffer.concat([local, nameBytes, packed, directory, end]);
}

/** Lines of JSON, about 3.5 MiB: several of the reader's 1 MiB chunks, lines across their edges. */
const big = Buffer.from(
  Array.from({ length: 40_000 }, (_, i) => `{"i":${i},"pad":"${'x'.repeat(i % 150)}"}\n`).join(''),
);

async function drain(source: ZipSource, entry: ZipListing) {
  const chunks: Buffer[] = [];
  let error: unknown = null;
  try {
    for await (const chunk of entryChunks(source, entry)) chunks.push(Buffer.from(chunk));
  } catch (caught) {
    error = caught;
  }
  return { data: Buffer.concat(chunks), chunks: chunks.length, error };
}

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'verify-zip-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `use` on the archive as a file, read where it lies. */
async function onFile<T>(zip: Buffer, use: (source: ZipSource) => Promise<T> | T): Promise<T> {
  const path = join(dir, `zip-${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(path, zip);
  const fd = openSync(path, 'r');
  try {
    return await use(fileSource(fd));
  } finally {
    closeSync(fd);
  }
}

describe('entryChunks', () => {
  it('gives a large deflated entry in several chunks, the same bytes from a Buffer and a file', async () => {
    const zip = deflatedZip('records.jsonl', big);
    const source = bufferSource(zip);
    const [entry] = listZip(source, 2 ** 31);
    const fromBuffer = await drain(source, entry);
    expect(fromBuffer.error).toBeNull();
    expect(fromBuffer.chunks).toBeGreaterThan(2);
    expect(fromBuffer.data.equals(big)).toBe(true);
    expect(readEntry(source, entry).equals(big)).toBe(true);

    const fromFile = await onFile(zip, async (file) => {
      expect(listZip(file, 2 ** 31)).toEqual([entry]);
      return drain(file, entry);
    });
    expect(fromFile.error).toBeNull();
    expect(fromFile.data.equals(big)).toBe(true);
  });

  it('stops at the first chunk beyond the stated size: a ZIP bomb is never inflated whole', async () => {
    // 64 MiB of zeros deflate to 64 KiB; the headers say 1,000 bytes.
    const bomb = deflatedZip('records.jsonl', Buffer.alloc(64 * 1024 ** 2), { size: 1000 });
    const source = bufferSource(bomb);
    const [entry] = listZip(source, 2 ** 31);
    const { data, error } = await drain(source, entry);
    expect(error).toBeInstanceOf(ZipFormatError);
    expect((error as Error).message).toBe(
      '"records.jsonl" inflates beyond the 1000 bytes its headers say',
    );
    expect(data.length).toBeLessThanOrEqual(1000);
    expect(() => readZip(bomb, 2 ** 31)).toThrow(
      /does not inflate \(or inflates beyond its size\)/,
    );
  });

  it('refuses an entry whose CRC-32 or size is wrong once its last chunk has passed', async () => {
    const badCrc = deflatedZip('records.jsonl', big, { crc: (zlibCrc32(big) ^ 1) >>> 0 });
    const short = deflatedZip('records.jsonl', big, { size: big.length + 1 });
    for (const [zip, message] of [
      [badCrc, 'the CRC-32 of "records.jsonl" does not match'],
      [short, `"records.jsonl" holds ${big.length} bytes, its headers say ${big.length + 1}`],
    ] as const) {
      for (const result of [
        await drain(bufferSource(zip), listZip(bufferSource(zip), 2 ** 31)[0]),
        await onFile(zip, (file) => drain(file, listZip(file, 2 ** 31)[0])),
      ]) {
        expect(result.data.length).toBe(big.length);
        expect(result.error).toBeInstanceOf(ZipFormatError);
        expect((result.error as Error).message).toBe(message);
      }
    }
  });

  it('refuses deflate data that is corrupt, with the reason zlib gives', async () => {
    const zip = deflatedZip('records.jsonl', big);
    // Flip bits inside the compressed data (it starts after the 30-byte header and the name).
    const start = 30 + 'records.jsonl'.length;
    for (let i = start + 10; i < start + 2000; i += 97) zip[i] ^= 0x5a;
    const source = bufferSource(zip);
    const { error } = await drain(source, listZip(source, 2 ** 31)[0]);
    expect(error).toBeInstanceOf(ZipFormatError);
    expect((error as Error).message).toMatch(
      /^"records\.jsonl" (does not inflate: |holds \d+ bytes|inflates beyond)|^the CRC-32 of "records\.jsonl" does not match$/,
    );
  });
});

describe('fileSource', () => {
  it('reads an archive cut short as a Buffer of it does: refused, with the same reason', async () => {
    const zip = deflatedZip('records.jsonl', big);
    for (const cut of [zip.subarray(0, zip.length - 1), zip.subarray(0, 100), Buffer.alloc(0)]) {
      const inMemory = (() => {
        try {
          return listZip(bufferSource(cut), 2 ** 31);
        } catch (error) {
          return (error as Error).message;
        }
      })();
      const fromFile = await onFile(cut, (file) => {
        try {
          return listZip(file, 2 ** 31);
        } catch (error) {
          return (error as Error).message;
        }
      });
      expect(typeof inMemory).toBe('string');
      expect(fromFile).toEqual(inMemory);
    }
  });
});
