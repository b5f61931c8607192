import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { CommittedEntry } from 'src/log/log.types';

/**
 * A JSON Lines file written a line at a time with back-pressure, so a report of any size keeps
 * only a page of lines in memory.
 */
export class JsonlFile {
  private readonly stream: WriteStream;
  lines = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { flags: 'w' });
  }

  async write(line: string): Promise<void> {
    this.lines += 1;
    if (!this.stream.write(`${line}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, 'finish');
  }

  /** Closes without waiting, after a failure (the folder is removed anyway). */
  destroy(): void {
    this.stream.destroy();
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
