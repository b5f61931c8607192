import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { crc32, createDeflateRaw, deflateRaw } from 'node:zlib';
import { STORED_PACKAGE_FILES } from 'src/evidence-format/evidence-package';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';

/**
 * The package's deflate level. Level 1: on the model's 7 MB training index (JSON Lines like a
 * package's) it is 5% larger than level 6 in two thirds of the time. It is fixed, so the bytes
 * stay reproducible, and shared with the files deflated while they are written (DeflatedSource).
 */
export const DEFLATE_LEVEL = 1;

/**
 * A file already deflated (raw deflate, DEFLATE_LEVEL, one stream with no flushes) as it was
 * written, with what its ZIP entry needs: the package copies its bytes instead of reading,
 * hashing and deflating the file again. zlib's output does not depend on how its input was cut
 * into writes, so the entry is the same bytes as if the package had deflated the whole file.
 */
export interface DeflatedSource {
  /** The file of deflated bytes. */
  deflated: string;
  /** SHA-256 (hex), CRC-32 and size of the bytes before deflating: the file the package holds. */
  sha256: string;
  crc32: number;
  bytes: number;
  /** The size of `deflated`, checked as it is copied. */
  deflatedBytes: number;
}

/** What a package file is made of: its bytes, a file on disk, or a file deflated as written. */
export type FileSource = Buffer | string | DeflatedSource;

export function isDeflatedSource(source: unknown): source is DeflatedSource {
  const s = source as Partial<DeflatedSource> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    !Buffer.isBuffer(s) &&
    typeof s.deflated === 'string' &&
    typeof s.sha256 === 'string' &&
    Number.isSafeInteger(s.crc32) &&
    Number.isSafeInteger(s.bytes) &&
    Number.isSafeInteger(s.deflatedBytes)
  );
}

/** One ZIP entry: its source, with the hash and size already taken of it. */
export interface ZipSource {
  path: string;
  source: FileSource;
  sha256: string;
  bytes: number;
}

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** General purpose flags: bit 3, sizes and CRC in a data descriptor; bit 11, UTF-8 names. */
const FLAGS = (1 << 3) | (1 << 11);
/** Made by Unix (3), specification 6.3; 2.0 needed to extract (deflate). */
const VERSION_MADE_BY = (3 << 8) | 63;
const VERSION_NEEDED = 20;
const STORED = 0;
const DEFLATED = 8;
/** A regular file, rw-r--r--, in the high half of the external attributes (Unix). */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
/** Without ZIP64 (the format has none) every size and offset must fit 32 bits. */
const ZIP32_MAX = 0xfffffffe;

const deflateBuffer = promisify(deflateRaw);
const deflateOptions = { level: DEFLATE_LEVEL };

/**
 * Writes `entries` in the given order to `outPath` as the reproducible ZIP the format file
 * describes: each entry a local header (UTF-8 name, the DOS time of `time` as UTC wall-clock
 * time, no extra field), its data and a data descriptor; then the central directory (mode 0644,
 * no extra field, no comment) and its end record. Written first to `outPath.partial` and renamed
 * only once complete, so a crash never leaves half a package under the final name. A file on
 * disk is streamed and hashed again on the way: if it changed since it was hashed for the
 * manifest, nothing is written. A deflated source is copied as it is.
 */
export async function writeZip(
  entries: readonly ZipSource[],
  time: Date,
  outPath: string,
): Promise<{ sha256: string; bytes: number }> {
  const partial = `${outPath}.partial`;
  const out = new ZipOutput(await open(partial, 'w'));
  const dos = dosDateTime(time);
  try {
    const central: Buffer[] = [];
    for (const entry of entries) {
      const name = Buffer.from(entry.path, 'utf8');
      const method = STORED_PACKAGE_FILES.includes(entry.path) ? STORED : DEFLATED;
      const offset = out.bytes;
      await out.write(localHeader(name, method, dos));
      const data = await writeData(out, entry, method);
      await out.write(dataDescriptor(data));
      central.push(centralHeader(name, method, dos, data, offset));
    }
    const start = out.bytes;
    for (const header of central) await out.write(header);
    await out.write(endOfCentralDirectory(central.length, out.bytes - start, start));
    await out.close();
    await rename(partial, outPath);
    return { sha256: out.sha256(), bytes: out.bytes };
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

/** The output file, its SHA-256 and size taken as it is written, writes gathered to 1 MiB. */
class ZipOutput {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly file: FileHandle) {}

  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    if (this.bytes > ZIP32_MAX) {
      const why = `the ZIP passes ${ZIP32_MAX} bytes, which needs ZIP64 (the format has none)`;
      throw new EvidencePackageError('package_too_large', why);
    }
    this.hash.update(chunk);
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= 1024 ** 2) await this.flush();
  }

  sha256(): string {
    return this.hash.digest('hex');
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.file.close();
    }
  }

  private async flush(): Promise<void> {
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunks.length > 0) await this.file.writev(chunks);
  }
}

/** What the data descriptor and the central directory say of an entry's data. */
interface EntryData {
  crc32: number;
  compressed: number;
  bytes: number;
}

async function writeData(out: ZipOutput, entry: ZipSource, method: number): Promise<EntryData> {
  const { source } = entry;
  if (Buffer.isBuffer(source)) {
    const data = method === DEFLATED ? await deflateBuffer(source, deflateOptions) : source;
    await out.write(data);
    return { crc32: crc32(source), compressed: data.length, bytes: source.length };
  }
  if (isDeflatedSource(source)) {
    if (method !== DEFLATED) throw new Error(`${entry.path} is stored, not deflated`);
    let compressed = 0;
    for await (const chunk of createReadStream(source.deflated)) {
      compressed += (chunk as Buffer).length;
      await out.write(chunk as Buffer);
    }
    if (compressed !== source.deflatedBytes) changed(entry.path);
    return { crc32: source.crc32, compressed, bytes: source.bytes };
  }
  return writeFileData(out, entry, source, method);
}

/** A file on disk, streamed: its CRC-32 and SHA-256 taken on the way, deflated unless stored. */
async function writeFileData(
  out: ZipOutput,
  entry: ZipSource,
  path: string,
  method: number,
): Promise<EntryData> {
  const hash = createHash('sha256');
  let crc = 0;
  let bytes = 0;
  let compressed = 0;
  async function* read(file: AsyncIterable<Buffer>) {
    for await (const chunk of file) {
      hash.update(chunk);
      crc = crc32(chunk, crc);
      bytes += chunk.length;
      yield chunk;
    }
  }
  async function write(data: AsyncIterable<Buffer>) {
    for await (const chunk of data) {
      compressed += chunk.length;
      await out.write(chunk);
    }
  }
  if (method === DEFLATED) {
    await pipeline(createReadStream(path), read, createDeflateRaw(deflateOptions), write);
  } else {
    await pipeline(createReadStream(path), read, write);
  }
  if (hash.digest('hex') !== entry.sha256 || bytes !== entry.bytes) changed(entry.path);
  return { crc32: crc, compressed, bytes };
}

function changed(path: string): never {
  throw new EvidencePackageError('source_changed', `${path} changed while the package was written`);
}

/**
 * The DOS date and time (which have no zone) of `time` as its UTC wall-clock time, so the same
 * package built in Paris and in UTC has the same bytes; clamped to the years DOS can say.
 */
export function dosDateTime(time: Date): { date: number; time: number } {
  const min = Date.UTC(1980, 0, 1);
  const max = Date.UTC(2107, 11, 31, 23, 59, 58);
  const at = new Date(Math.min(Math.max(time.getTime(), min), max));
  return {
    date:
      (at.getUTCDate() & 0x1f) |
      ((at.getUTCMonth() + 1) << 5) |
      ((at.getUTCFullYear() - 1980) << 9),
    time: Math.floor(at.getUTCSeconds() / 2) | (at.getUTCMinutes() << 5) | (at.getUTCHours() << 11),
  };
}

type DosTime = ReturnType<typeof dosDateTime>;

/** The local file header: sizes and CRC are zero, given by the data descriptor (flag bit 3). */
function localHeader(name: Buffer, method: number, dos: DosTime): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_HEADER, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(method, 8);
  header.writeUInt16LE(dos.time, 10);
  header.writeUInt16LE(dos.date, 12);
  header.writeUInt16LE(name.length, 26);
  return Buffer.concat([header, name]);
}

function dataDescriptor(data: EntryData): Buffer {
  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(DATA_DESCRIPTOR, 0);
  descriptor.writeUInt32LE(data.crc32 >>> 0, 4);
  descriptor.writeUInt32LE(data.compressed, 8);
  descriptor.writeUInt32LE(data.bytes, 12);
  return descriptor;
}

function centralHeader(
  name: Buffer,
  method: number,
  dos: DosTime,
  data: EntryData,
  offset: number,
): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(VERSION_NEEDED, 6);
  header.writeUInt16LE(FLAGS, 8);
  header.writeUInt16LE(method, 10);
  header.writeUInt16LE(dos.time, 12);
  header.writeUInt16LE(dos.date, 14);
  header.writeUInt32LE(data.crc32 >>> 0, 16);
  header.writeUInt32LE(data.compressed, 20);
  header.writeUInt32LE(data.bytes, 24);
  header.writeUInt16LE(name.length, 28);
  // Extra field, comment, disk number and internal attributes: all zero.
  header.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
  header.writeUInt32LE(offset, 42);
  return Buffer.concat([header, name]);
}

function endOfCentralDirectory(count: number, size: number, offset: number): Buffer {
  if (count > 0xffff) throw new Error(`${count} entries need ZIP64 (the format has none)`);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return end;
}
