import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { TransformOptions } from 'node:stream';
import { crc32, createDeflateRaw, type DeflateRaw, type ZlibOptions } from 'node:zlib';
import { CommittedEntry } from 'src/log/log.types';
import { DEFLATE_LEVEL, type DeflatedSource } from 'src/reports/evidence-package/package-zip';

/**
 * Lines are handed on about a mebibyte at a time: a period audit writes two lines per entry (its
 * body, tens of kB, and its proof), and a write per line took twice the main thread's time
 * (10,000 lines of 50 kB and 10,000 of 1 kB: 1.9-2.7 s of CPU, against 0.9-1.0 s batched;
 * batches of 256 KiB and 4 MiB were no faster).
 */
const FLUSH_AT = 1024 ** 2;

/**
 * A JSON Lines file of the evidence package, deflated as it is written: the file on disk at
 * `path` holds the deflated bytes, and `close()` gives what the package's ZIP entry needs (the
 * lines' SHA-256, CRC-32 and size). Deflating is zlib's work on a thread of its own, so it runs
 * beside the build's reading and checking instead of after it, and the lines are never read
 * back. Written with back-pressure, so a report of any size keeps only a page of lines, about
 * FLUSH_AT characters not yet handed on, and zlib's buffers in memory.
 */
export class JsonlFile {
  private readonly deflate: DeflateRaw;
  private readonly written: Promise<void>;
  private readonly hash = createHash('sha256');
  private crc = 0;
  private bytes = 0;
  private deflatedBytes = 0;
  private pending: string[] = [];
  private pendingLength = 0;
  lines = 0;

  constructor(readonly path: string) {
    const options: ZlibOptions & TransformOptions = {
      level: DEFLATE_LEVEL,
      // zlib takes each batch in one job on its thread (its output for a mebibyte of JSON fits a
      // mebibyte), and up to 8 MiB wait for it before a write waits: with zlib's defaults (16
      // KiB) every batch waited until zlib had taken it, so deflating ran beside PostgreSQL's
      // work but not beside the build's own. 10,000 records of 32 tokens: 21.6 -> 17.5 s.
      chunkSize: FLUSH_AT,
      writableHighWaterMark: 8 * FLUSH_AT,
    };
    this.deflate = createDeflateRaw(options);
    const count = async function* (this: JsonlFile, chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        this.deflatedBytes += chunk.length;
        yield chunk;
      }
    }.bind(this);
    this.written = pipeline(this.deflate, count, createWriteStream(path, { flags: 'w' }));
    // A failure surfaces at the next write's drain or at close(); never as an unhandled rejection.
    this.written.catch(() => undefined);
  }

  async write(line: string): Promise<void> {
    this.lines += 1;
    this.pending.push(line, '\n');
    this.pendingLength += line.length + 1;
    if (this.pendingLength >= FLUSH_AT) await this.flush();
  }

  /** Ends the file; its deflated bytes are then complete at `path`. */
  async close(): Promise<DeflatedSource> {
    await this.flush();
    this.deflate.end();
    await this.written;
    return {
      deflated: this.path,
      sha256: this.hash.digest('hex'),
      crc32: this.crc,
      bytes: this.bytes,
      deflatedBytes: this.deflatedBytes,
    };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.hash.update(chunk);
    this.crc = crc32(chunk, this.crc);
    this.bytes += chunk.length;
    if (!this.deflate.write(chunk)) await Promise.race([once(this.deflate, 'drain'), this.written]);
  }

  /** Closes without waiting, after a failure (the folder is removed anyway). */
  destroy(): void {
    this.deflate.destroy();
  }
}

/**
 * A signed entry as one canonical JSON line (RFC 8785: members in code-point order, the body as
 * the exact canonical text that was hashed), built without parsing the body again.
 */
export function entryLine(entry: PackedEntry): string {
  return `{"body":${entry.canonical},"keyId":${JSON.stringify(entry.keyId)},"leafHash":${JSON.stringify(entry.leafHash)},"signature":${JSON.stringify(entry.signature)}}`;
}

/** A signed entry as a package holds it: the canonical body text, base64 hash and signature. */
export interface PackedEntry {
  id: string;
  logIndex: number;
  canonical: string;
  keyId: string;
  leafHash: string;
  signature: string;
}

export function packed(entry: CommittedEntry): PackedEntry {
  return {
    id: entry.id,
    logIndex: entry.logIndex,
    canonical: entry.canonical,
    keyId: entry.keyId,
    leafHash: entry.leafHash.toString('base64'),
    signature: entry.signature.toString('base64'),
  };
}
