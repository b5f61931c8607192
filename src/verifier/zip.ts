import { fstatSync, readSync } from 'node:fs';
import { Readable, pipeline, type TransformOptions } from 'node:stream';
import {
  createInflateRaw,
  crc32 as nativeCrc32,
  inflateRawSync,
  type ZlibOptions,
} from 'node:zlib';

/**
 * A strict reader for the ZIP files of evidence packages (APPNOTE 6.3.x), built on node:zlib so
 * the verifier needs nothing from npm. It reads what the format writes (stored or deflated
 * entries, data descriptors allowed) and refuses, with a reason, everything a package never
 * holds and an attacker might use: ZIP64, multi-disk archives, encryption, names that would land
 * outside the folder an auditor unzips into, duplicate names (two tools could extract different
 * files), overlapping entries, sizes or CRCs that disagree, and more bytes than `maxBytes`.
 *
 * The archive is read where it lies (`ZipSource`: a Buffer, or a file read at the offsets each
 * step needs), and an entry can be inflated as a stream of chunks (`entryChunks`), its size and
 * CRC-32 checked as the last chunk passes: a package of gigabytes of JSON Lines is checked line
 * by line in a few mebibytes of memory.
 */

export interface ZipEntry {
  name: string;
  data: Buffer;
}

/** Random access to the archive's bytes. */
export interface ZipSource {
  readonly size: number;
  /** `length` bytes from `position`, fewer where the archive ends first. */
  read(position: number, length: number): Buffer;
}

export function bufferSource(zip: Buffer): ZipSource {
  return {
    size: zip.length,
    read: (position, length) => zip.subarray(position, Math.min(zip.length, position + length)),
  };
}

/** An open file, read with positioned reads (the caller closes `fd`). */
export function fileSource(fd: number): ZipSource {
  const { size } = fstatSync(fd);
  return {
    size,
    read(position, length) {
      const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - position)));
      let done = 0;
      while (done < buffer.length) {
        const n = readSync(fd, buffer, done, buffer.length - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return buffer.subarray(0, done);
    },
  };
}

/** An entry as the central directory lists it, checked against its local header. */
export interface ZipListing {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  /** Where its (compressed) data starts in the archive. */
  dataStart: number;
}

/** Thrown for an archive that is not a well-formed package ZIP; the message says why. */
export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const FLAG_ENCRYPTED = 1 << 0;
const FLAG_DESCRIPTOR = 1 << 3;
const FLAG_STRONG_ENCRYPTION = 1 << 6;
const FLAG_UTF8 = 1 << 11;
const STORED = 0;
const DEFLATED = 8;
const MAX_ENTRIES = 100_000;

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** Reads every entry of `zip` into memory, or throws a ZipFormatError naming the first problem. */
export function readZip(zip: Buffer, maxBytes: number): ZipEntry[] {
  const source = bufferSource(zip);
  return listZip(source, maxBytes).map((entry) => ({
    name: entry.name,
    data: readEntry(source, entry),
  }));
}

/**
 * The archive's entries in central-directory order, every header checked (nothing inflated yet),
 * or a ZipFormatError naming the first problem.
 */
export function listZip(source: ZipSource, maxBytes: number): ZipListing[] {
  try {
    return listEntries(source, maxBytes);
  } catch (error) {
    // A header field that points past the end makes Buffer's readers throw a RangeError.
    if (error instanceof RangeError) {
      throw new ZipFormatError(`a header points outside the file (truncated?): ${error.message}`);
    }
    throw error;
  }
}

function listEntries(source: ZipSource, maxBytes: number): ZipListing[] {
  const { count, cdOffset, cdSize } = readEnd(source);
  const central = readCentralDirectory(source.read(cdOffset, cdSize), count);
  const total = central.reduce((sum, e) => sum + e.size, 0);
  if (total > maxBytes) {
    throw new ZipFormatError(
      `the entries would inflate to ${total} bytes, over the limit of ${maxBytes} (a ZIP bomb?)`,
    );
  }
  const spans = central.map((entry) => ({ entry, ...locateData(source, entry, cdOffset) }));
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start < spans[i - 1].end) {
      throw new ZipFormatError(
        `entries ${spans[i - 1].entry.name} and ${spans[i].entry.name} overlap`,
      );
    }
  }
  return central.map((entry) => {
    const { dataStart } = spans.find((s) => s.entry === entry)!;
    const { name, method, crc, compressedSize, size } = entry;
    return { name, method, crc, compressedSize, size, dataStart };
  });
}

function readEnd(source: ZipSource): { count: number; cdOffset: number; cdSize: number } {
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes: take the record
  // whose comment runs exactly to the end of the file, so no bytes can hide after it. `tail`
  // also holds the 20 bytes before it, where a ZIP64 locator would be.
  const tailStart = Math.max(0, source.size - EOCD_SIZE - 0xffff - 20);
  const tail = source.read(tailStart, source.size - tailStart);
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= Math.max(0, tail.length - EOCD_SIZE - 0xffff); i--) {
    if (
      tail.readUInt32LE(i) === EOCD &&
      i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length
    ) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipFormatError('no end of central directory record: not a ZIP file');
  const [disk, cdDisk, diskCount, count] = [0, 2, 4, 6].map((o) => tail.readUInt16LE(at + 4 + o));
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  const zip64 = at >= 20 && tail.readUInt32LE(at - 20) === ZIP64_EOCD_LOCATOR;
  if (zip64 || count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new ZipFormatError('ZIP64 archives are not supported (a package is under 2 GiB)');
  }
  if (disk !== 0 || cdDisk !== 0 || diskCount !== count) {
    throw new ZipFormatError('multi-disk (split) archives are not supported');
  }
  if (count > MAX_ENTRIES) throw new ZipFormatError(`more than ${MAX_ENTRIES} entries`);
  if (cdOffset + cdSize !== tailStart + at) {
    throw new ZipFormatError('the central directory does not end where the end record begins');
  }
  return { count, cdOffset, cdSize };
}

/** `cd` is the central directory's bytes, `count` the entries the end record says it holds. */
function readCentralDirectory(cd: Buffer, count: number): CentralEntry[] {
  const entries: CentralEntry[] = [];
  const names = new Set<string>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > cd.length || cd.readUInt32LE(at) !== CENTRAL) {
      throw new ZipFormatError(`central directory entry ${i + 1} is malformed`);
    }
    const [nameLength, extraLength, commentLength] = [28, 30, 32].map((o) =>
      cd.readUInt16LE(at + o),
    );
    const end = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (end > cd.length) throw new ZipFormatError(`central directory entry ${i + 1} overruns`);
    const flags = cd.readUInt16LE(at + 8);
    const name = decodeName(cd.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength), flags);
    const entry: CentralEntry = {
      name,
      flags,
      method: cd.readUInt16LE(at + 10),
      crc: cd.readUInt32LE(at + 16),
      compressedSize: cd.readUInt32LE(at + 20),
      size: cd.readUInt32LE(at + 24),
      offset: cd.readUInt32LE(at + 42),
    };
    checkEntry(entry, cd.readUInt16LE(at + 34));
    // Case-insensitive: README.md and readme.md are one file once unzipped on macOS or Windows.
    if (names.has(name.toLowerCase())) throw new ZipFormatError(`the name ${name} appears twice`);
    names.add(name.toLowerCase());
    entries.push(entry);
    at = end;
  }
  if (at !== cd.length) throw new ZipFormatError('the central directory has extra bytes');
  return entries;
}

function decodeName(bytes: Buffer, flags: number): string {
  // Without the UTF-8 flag a name is CP437; package names are ASCII, where the two agree.
  const ascii = bytes.every((b) => b >= 0x20 && b < 0x7f);
  if (!ascii && (flags & FLAG_UTF8) === 0) {
    throw new ZipFormatError('an entry name is neither ASCII nor flagged as UTF-8');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ZipFormatError('an entry name is not valid UTF-8');
  }
}

function checkEntry(entry: CentralEntry, diskStart: number): void {
  const { name } = entry;
  const shown = JSON.stringify(name);
  if (name === '' || name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new ZipFormatError(`the entry name ${shown} is empty or absolute`);
  }
  if (name.includes('\\')) throw new ZipFormatError(`the entry name ${shown} has a backslash`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new ZipFormatError(`the entry name ${shown} has a control character`);
  }
  const segments = name.split('/');
  if (segments.includes('..')) throw new ZipFormatError(`the entry name ${shown} escapes with ..`);
  if (name.endsWith('/')) throw new ZipFormatError(`the entry ${shown} is a directory`);
  if (segments.some((s) => s === '' || s === '.')) {
    throw new ZipFormatError(`the entry name ${shown} has an empty or . segment`);
  }
  if ((entry.flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0) {
    throw new ZipFormatError(`the entry ${shown} is encrypted`);
  }
  if (entry.method !== STORED && entry.method !== DEFLATED) {
    throw new ZipFormatError(`the entry ${shown} uses compression method ${entry.method}`);
  }
  if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || diskStart === 0xffff) {
    throw new ZipFormatError(`the entry ${shown} needs ZIP64, which is not supported`);
  }
  if (entry.method === STORED && entry.size !== entry.compressedSize) {
    throw new ZipFormatError(`the stored entry ${shown} has two different sizes`);
  }
}

/** Where the entry's data lies, after its local header, checked against the central entry. */
function locateData(
  source: ZipSource,
  entry: CentralEntry,
  cdOffset: number,
): { start: number; end: number; dataStart: number } {
  const at = entry.offset;
  const shown = JSON.stringify(entry.name);
  const header = at + LOCAL_SIZE <= cdOffset ? source.read(at, LOCAL_SIZE) : null;
  if (!header || header.readUInt32LE(0) !== LOCAL) {
    throw new ZipFormatError(`the local header of ${shown} is missing`);
  }
  const flags = header.readUInt16LE(6);
  const nameLength = header.readUInt16LE(26);
  const dataStart = at + LOCAL_SIZE + nameLength + header.readUInt16LE(28);
  const localName = source.read(at + LOCAL_SIZE, nameLength).toString('utf8');
  if (
    flags !== entry.flags ||
    header.readUInt16LE(8) !== entry.method ||
    localName !== entry.name
  ) {
    throw new ZipFormatError(`the local header of ${shown} disagrees with the central directory`);
  }
  let end = dataStart + entry.compressedSize;
  const stated = (fields: Buffer) => [0, 4, 8].map((o) => fields.readUInt32LE(o));
  let sizes = stated(header.subarray(14));
  if ((flags & FLAG_DESCRIPTOR) !== 0) {
    // Streamed entries carry CRC and sizes after the data, optionally behind a signature.
    const after = source.read(end, Math.max(0, Math.min(16, cdOffset - end)));
    const signed = after.length >= 4 && after.readUInt32LE(0) === DESCRIPTOR;
    const fields = signed ? 4 : 0;
    if (fields + 12 > after.length) {
      throw new ZipFormatError(`the data descriptor of ${shown} is missing`);
    }
    sizes = stated(after.subarray(fields));
    end += fields + 12;
  }
  if (end > cdOffset) {
    throw new ZipFormatError(`the data of ${shown} runs into the central directory`);
  }
  const [crc, compressedSize, size] = sizes;
  if (crc !== entry.crc || compressedSize !== entry.compressedSize || size !== entry.size) {
    throw new ZipFormatError(`the CRC or sizes of ${shown} differ between its headers`);
  }
  return { start: at, end, dataStart };
}

/** The entry inflated into memory, its size and CRC-32 checked. */
export function readEntry(source: ZipSource, entry: ZipListing): Buffer {
  const shown = JSON.stringify(entry.name);
  const raw = source.read(entry.dataStart, entry.compressedSize);
  let data: Buffer;
  if (entry.method === STORED) {
    data = Buffer.from(raw);
  } else {
    try {
      // One byte of room beyond the stated size: more output means the size lied.
      data = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
    } catch (error) {
      throw new ZipFormatError(
        `${shown} does not inflate (or inflates beyond its size): ${why(error)}`,
      );
    }
  }
  if (data.length !== entry.size) {
    throw new ZipFormatError(`${shown} holds ${data.length} bytes, its headers say ${entry.size}`);
  }
  if (crc32(data) !== entry.crc) throw new ZipFormatError(`the CRC-32 of ${shown} does not match`);
  return data;
}

/** How much of the archive is read, and inflated, at a time. */
const CHUNK_BYTES = 1 << 20;

/**
 * The entry's bytes as chunks of up to a mebibyte, inflated on zlib's thread while the caller
 * works on the chunks before (up to 8 MiB ahead). The size and CRC-32 are checked as they pass:
 * a ZipFormatError ends the iteration at the first byte beyond the stated size, or after the
 * last chunk when the size falls short or the CRC differs, so a caller acts on an entry's
 * content only once the iteration has ended without one.
 */
export async function* entryChunks(source: ZipSource, entry: ZipListing): AsyncGenerator<Buffer> {
  const shown = JSON.stringify(entry.name);
  let size = 0;
  let crc = 0;
  const inflated = entry.method === STORED ? null : inflating(source, entry);
  try {
    for await (const chunk of inflated ?? compressedChunks(source, entry)) {
      const data = chunk as Buffer;
      size += data.length;
      if (size > entry.size) {
        throw new ZipFormatError(
          `${shown} inflates beyond the ${entry.size} bytes its headers say`,
        );
      }
      crc = crc32(data, crc);
      yield data;
    }
  } catch (error) {
    if (error instanceof ZipFormatError) throw error;
    throw new ZipFormatError(`${shown} does not inflate: ${why(error)}`);
  } finally {
    inflated?.destroy();
  }
  if (size !== entry.size) {
    throw new ZipFormatError(`${shown} holds ${size} bytes, its headers say ${entry.size}`);
  }
  if (crc !== entry.crc) throw new ZipFormatError(`the CRC-32 of ${shown} does not match`);
}

function* compressedChunks(source: ZipSource, entry: ZipListing): Generator<Buffer> {
  for (let done = 0; done < entry.compressedSize; done += CHUNK_BYTES) {
    const length = Math.min(CHUNK_BYTES, entry.compressedSize - done);
    // A Buffer source hands out views: copy, since zlib may read the chunk after we move on.
    yield Buffer.from(source.read(entry.dataStart + done, length));
  }
}

function inflating(source: ZipSource, entry: ZipListing): Readable {
  // zlib's streams take a Transform's options too (typed or not): 8 MiB of output may wait.
  const options: ZlibOptions & TransformOptions = {
    chunkSize: CHUNK_BYTES,
    readableHighWaterMark: 8 * CHUNK_BYTES,
  };
  const inflater = createInflateRaw(options);
  // An error on either side reaches the reader through the inflater's iterator.
  pipeline(Readable.from(compressedChunks(source, entry)), inflater, () => undefined);
  return inflater;
}

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * CRC-32 (ISO-HDLC, as ZIP uses it), continuing from `previous` (the CRC of the bytes before):
 * zlib's own where Node has it (20.15+), else a table.
 */
export function crc32(data: Buffer, previous = 0): number {
  return typeof nativeCrc32 === 'function'
    ? nativeCrc32(data, previous) >>> 0
    : tableCrc32(data, previous);
}

let table: Uint32Array | undefined;

export function tableCrc32(data: Buffer, previous = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
