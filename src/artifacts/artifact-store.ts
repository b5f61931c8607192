import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** What the store holds under a key, as it was written. */
export interface StoredArtifact {
  key: string;
  /** Lowercase hex SHA-256 of the bytes, computed while writing. */
  sha256: string;
  bytes: number;
}

/**
 * Where report PDFs and evidence packages live: a port, so a local folder (the default) and an
 * S3-compatible object store fit behind it. Keys are relative paths of safe segments
 * (`<tenant>/<report>/report.pdf`). An artifact is written whole or not at all: a reader never
 * sees a half-written one under its key, and writing the same key twice with the same bytes is
 * harmless (a retried job does exactly that).
 */
export abstract class ArtifactStore {
  /** Copies the file at `path` into the store under `key`. */
  abstract putFile(key: string, path: string): Promise<StoredArtifact>;

  /** Opens an artifact for reading; ArtifactNotFoundError when there is none. */
  abstract open(key: string): Promise<Readable>;

  /** Deletes an artifact; false when there was none. */
  abstract remove(key: string): Promise<boolean>;

  /** The artifact's size and SHA-256 as recorded when it was written, or null when there is none. */
  abstract stat(key: string): Promise<StoredArtifact | null>;

  /**
   * The artifact's size and SHA-256 computed now from its bytes (a full read), or null when
   * there is none: what a download checks against the database before it serves a byte.
   */
  async digest(key: string): Promise<StoredArtifact | null> {
    let stream: Readable;
    try {
      stream = await this.open(key);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) return null;
      throw error;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    return { key, sha256: hash.digest('hex'), bytes };
  }
}

export class ArtifactNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no artifact ${key}`);
  }
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Refuses keys that could leave the store or name something odd: `..`, absolute, empty parts. */
export function checkArtifactKey(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 8 || !parts.every((p) => SEGMENT.test(p) && p !== '..' && !p.includes('..'))) {
    throw new Error(`not an artifact key: ${JSON.stringify(key)}`);
  }
  return parts;
}
