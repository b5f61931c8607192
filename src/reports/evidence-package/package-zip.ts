import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile, type ReadStreamOptions } from 'yazl';
import { STORED_PACKAGE_FILES } from 'src/evidence-format/evidence-package';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';

/** One ZIP entry: its bytes, or a file on disk with the hash and size already taken of it. */
export interface ZipSource {
  path: string;
  source: Buffer | string;
  sha256: string;
  bytes: number;
}

/**
 * Writes `entries` in the given order to `outPath` as a reproducible ZIP (see the format file):
 * first to `outPath.partial`, renamed only once complete, so a crash never leaves half a package
 * under the final name. A file on disk is streamed and hashed again on the way: if it changed
 * since it was hashed for the manifest, nothing is written.
 */
export async function writeZip(
  entries: readonly ZipSource[],
  time: Date,
  outPath: string,
): Promise<{ sha256: string; bytes: number }> {
  const partial = `${outPath}.partial`;
  const zip = new ZipFile();
  const changed: string[] = [];
  const mtime = new UtcWallClock(time.getTime());
  for (const entry of entries) addEntry(zip, entry, mtime, changed);
  zip.end();
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // yazl reports failures (a source that cannot be read, a size that changed) on the ZipFile.
  const failed = new Promise<never>((_, reject) => zip.once('error', reject));
  const written = pipeline(zip.outputStream, tap, createWriteStream(partial));
  // When yazl fails first, the pipeline is torn down below and rejects too: already handled.
  written.catch(() => undefined);
  try {
    await Promise.race([written, failed]);
    if (changed.length > 0) {
      const why = `${changed.join(', ')} changed while the package was written`;
      throw new EvidencePackageError('source_changed', why);
    }
    await rename(partial, outPath);
  } catch (error) {
    (zip.outputStream as PassThrough).destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return { sha256: hash.digest('hex'), bytes };
}

function addEntry(zip: ZipFile, entry: ZipSource, time: Date, changed: string[]): void {
  const options: Partial<ReadStreamOptions> = {
    mtime: time,
    mode: 0o100644,
    // Deflate level 1: on the model's 7 MB training index (JSON Lines like a package's) it is 5%
    // larger than level 6 in two thirds of the time. The level is fixed: bytes stay reproducible.
    compressionLevel: STORED_PACKAGE_FILES.includes(entry.path) ? 0 : 1,
    // No Info-ZIP "UT" extra field: the DOS time is the only time in the archive.
    forceDosTimestamp: true,
    size: entry.bytes,
  };
  const { source } = entry;
  // Every entry is streamed, bytes in memory too: yazl lays out a streamed entry (data descriptor
  // after the data) differently from a buffer, and the ZIP's bytes must not depend on where the
  // caller kept a file.
  zip.addReadStreamLazy(entry.path, options, (callback) => {
    if (Buffer.isBuffer(source)) return callback(null, Readable.from([source]));
    const file = createReadStream(source);
    file.on('error', (error) => zip.emit('error', error));
    callback(null, file.pipe(rehash(entry, () => changed.push(entry.path))));
  });
}

/** A pass-through that calls `onMismatch` at its end when the bytes are not the ones hashed. */
function rehash(entry: ZipSource, onMismatch: () => void): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      if (hash.digest('hex') !== entry.sha256) onMismatch();
      done();
    },
  });
}

/**
 * yazl writes DOS times (which have no zone) in the machine's local time, by calling the Date's
 * local getters; the same package built in Paris and in UTC would differ. It has no option for
 * this, so it is given a Date whose "local" getters answer in UTC: the archive's times are
 * generatedAt's UTC wall-clock time wherever it is built (a test builds in two zones).
 */
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
