import { crc32 as nativeCrc32, inflateRawSync } from 'node:zlib';

/**
 * A strict reader for the ZIP files of evidence packages (APPNOTE 6.3.x), built on node:zlib so
 * the verifier needs nothing from npm. It reads what the format writes (stored or deflated
 * entries, data descriptors allowed) and refuses, with a reason, everything a package never
 * holds and an attacker might use: ZIP64, multi-disk archives, encryption, names that would land
 * outside the folder an auditor unzips into, duplicate names (two tools could extract different
 * files), overlapping entries, sizes or CRCs that disagree, and more bytes than `maxBytes`.
 */

export interface ZipEntry {
  name: string;
  data: Buffer;
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

/** Reads every entry of `zip`, or throws a ZipFormatError naming the first problem. */
export function readZip(zip: Buffer, maxBytes: number): ZipEntry[] {
  try {
    return readEntries(zip, maxBytes);
  } catch (error) {
    // A header field that points past the end makes Buffer's readers throw a RangeError.
    if (error instanceof RangeError) {
      throw new ZipFormatError(`a header points outside the file (truncated?): ${error.message}`);
    }
    throw error;
  }
}

function readEntries(zip: Buffer, maxBytes: number): ZipEntry[] {
  const { count, cdOffset, cdSize } = readEnd(zip);
  const central = readCentralDirectory(zip, count, cdOffset, cdSize);
  const total = central.reduce((sum, e) => sum + e.size, 0);
  if (total > maxBytes) {
    throw new ZipFormatError(
      `the entries would inflate to ${total} bytes, over the limit of ${maxBytes} (a ZIP bomb?)`,
    );
  }
  const spans = central.map((entry) => ({ entry, ...locateData(zip, entry, cdOffset) }));
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
    return { name: entry.name, data: extract(zip, entry, dataStart) };
  });
}

function readEnd(zip: Buffer): { count: number; cdOffset: number; cdSize: number } {
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes: take the record
  // whose comment runs exactly to the end of the file, so no bytes can hide after it.
  let at = -1;
  for (let i = zip.length - EOCD_SIZE; i >= Math.max(0, zip.length - EOCD_SIZE - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD && i + EOCD_SIZE + zip.readUInt16LE(i + 20) === zip.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipFormatError('no end of central directory record: not a ZIP file');
  const [disk, cdDisk, diskCount, count] = [0, 2, 4, 6].map((o) => zip.readUInt16LE(at + 4 + o));
  const cdSize = zip.readUInt32LE(at + 12);
  const cdOffset = zip.readUInt32LE(at + 16);
  const zip64 = at >= 20 && zip.readUInt32LE(at - 20) === ZIP64_EOCD_LOCATOR;
  if (zip64 || count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    throw new ZipFormatError('ZIP64 archives are not supported (a package is under 2 GiB)');
  }
  if (disk !== 0 || cdDisk !== 0 || diskCount !== count) {
    throw new ZipFormatError('multi-disk (split) archives are not supported');
  }
  if (count > MAX_ENTRIES) throw new ZipFormatError(`more than ${MAX_ENTRIES} entries`);
  if (cdOffset + cdSize !== at) {
    throw new ZipFormatError('the central directory does not end where the end record begins');
  }
  return { count, cdOffset, cdSize };
}

function readCentralDirectory(
  zip: Buffer,
  count: number,
  cdOffset: number,
  cdSize: number,
): CentralEntry[] {
  const entries: CentralEntry[] = [];
  const names = new Set<string>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > cdOffset + cdSize || zip.readUInt32LE(at) !== CENTRAL) {
      throw new ZipFormatError(`central directory entry ${i + 1} is malformed`);
    }
    const [nameLength, extraLength, commentLength] = [28, 30, 32].map((o) =>
      zip.readUInt16LE(at + o),
    );
    const end = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (end > cdOffset + cdSize)
      throw new ZipFormatError(`central directory entry ${i + 1} overruns`);
    const flags = zip.readUInt16LE(at + 8);
    const name = decodeName(zip.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength), flags);
    const entry: CentralEntry = {
      name,
      flags,
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: zip.readUInt32LE(at + 42),
    };
    checkEntry(entry, zip.readUInt16LE(at + 34));
    // Case-insensitive: README.md and readme.md are one file once unzipped on macOS or Windows.
    if (names.has(name.toLowerCase())) throw new ZipFormatError(`the name ${name} appears twice`);
    names.add(name.toLowerCase());
    entries.push(entry);
    at = end;
  }
  if (at !== cdOffset + cdSize) throw new ZipFormatError('the central directory has extra bytes');
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
  zip: Buffer,
  entry: CentralEntry,
  cdOffset: number,
): { start: number; end: number; dataStart: number } {
  const at = entry.offset;
  const shown = JSON.stringify(entry.name);
  if (at + LOCAL_SIZE > cdOffset || zip.readUInt32LE(at) !== LOCAL) {
    throw new ZipFormatError(`the local header of ${shown} is missing`);
  }
  const flags = zip.readUInt16LE(at + 6);
  const nameLength = zip.readUInt16LE(at + 26);
  const dataStart = at + LOCAL_SIZE + nameLength + zip.readUInt16LE(at + 28);
  const localName = zip.subarray(at + LOCAL_SIZE, at + LOCAL_SIZE + nameLength).toString('utf8');
  if (
    flags !== entry.flags ||
    zip.readUInt16LE(at + 8) !== entry.method ||
    localName !== entry.name
  ) {
    throw new ZipFormatError(`the local header of ${shown} disagrees with the central directory`);
  }
  let end = dataStart + entry.compressedSize;
  const stated = (o: number) => [
    zip.readUInt32LE(o),
    zip.readUInt32LE(o + 4),
    zip.readUInt32LE(o + 8),
  ];
  let sizes = stated(at + 14);
  if ((flags & FLAG_DESCRIPTOR) !== 0) {
    // Streamed entries carry CRC and sizes after the data, optionally behind a signature.
    const signed = end + 4 <= cdOffset && zip.readUInt32LE(end) === DESCRIPTOR;
    const fields = signed ? end + 4 : end;
    if (fields + 12 > cdOffset)
      throw new ZipFormatError(`the data descriptor of ${shown} is missing`);
    sizes = stated(fields);
    end = fields + 12;
  }
  if (end > cdOffset)
    throw new ZipFormatError(`the data of ${shown} runs into the central directory`);
  const [crc, compressedSize, size] = sizes;
  if (crc !== entry.crc || compressedSize !== entry.compressedSize || size !== entry.size) {
    throw new ZipFormatError(`the CRC or sizes of ${shown} differ between its headers`);
  }
  return { start: at, end, dataStart };
}

function extract(zip: Buffer, entry: CentralEntry, dataStart: number): Buffer {
  const shown = JSON.stringify(entry.name);
  const raw = zip.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Buffer;
  if (entry.method === STORED) {
    data = Buffer.from(raw);
  } else {
    try {
      // One byte of room beyond the stated size: more output means the size lied.
      data = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ZipFormatError(`${shown} does not inflate (or inflates beyond its size): ${why}`);
    }
  }
  if (data.length !== entry.size) {
    throw new ZipFormatError(`${shown} holds ${data.length} bytes, its headers say ${entry.size}`);
  }
  if (crc32(data) !== entry.crc) throw new ZipFormatError(`the CRC-32 of ${shown} does not match`);
  return data;
}

/** CRC-32 (ISO-HDLC, as ZIP uses it): zlib's own where Node has it (20.15+), else a table. */
export function crc32(data: Buffer): number {
  return typeof nativeCrc32 === 'function' ? nativeCrc32(data) >>> 0 : tableCrc32(data);
}

let table: Uint32Array | undefined;

export function tableCrc32(data: Buffer): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
