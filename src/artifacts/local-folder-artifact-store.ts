import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ArtifactNotFoundError,
  ArtifactStore,
  checkArtifactKey,
  StoredArtifact,
} from 'src/artifacts/artifact-store';

/**
 * The artifact store in a local folder. Each artifact is copied to a temporary name beside its
 * final place, flushed to disk, and renamed into place (atomic on one file system), with a small
 * `<key>.sha256` side file written the same way first: a crash leaves at most a temporary file,
 * never a partial artifact under its key.
 */
@Injectable()
export class LocalFolderArtifactStore extends ArtifactStore {
  constructor(private readonly root: string) {
    super();
  }

  async putFile(key: string, path: string): Promise<StoredArtifact> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      await pipeline(
        createReadStream(path),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            bytes += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(temporary, { mode: 0o640 }),
      );
      await fsync(temporary);
      const stored: StoredArtifact = { key, sha256: hash.digest('hex'), bytes };
      await writeAtomically(`${target}.sha256`, `${stored.sha256} ${stored.bytes}\n`);
      await rename(temporary, target);
      return stored;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async open(key: string): Promise<Readable> {
    const path = this.path(key);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new ArtifactNotFoundError(key);
      throw error;
    });
    return handle.createReadStream();
  }

  async stat(key: string): Promise<StoredArtifact | null> {
    const path = this.path(key);
    try {
      const [info, side] = await Promise.all([stat(path), readFile(`${path}.sha256`, 'utf8')]);
      const [sha256, size] = side.trim().split(' ');
      if (Number(size) !== info.size) return null;
      return { key, sha256, bytes: info.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async remove(key: string): Promise<boolean> {
    const path = this.path(key);
    await rm(`${path}.sha256`, { force: true });
    try {
      await unlink(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  private path(key: string): string {
    return join(this.root, ...checkArtifactKey(key));
  }
}

async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
  await writeFile(temporary, content, { mode: 0o640 });
  await fsync(temporary);
  await rename(temporary, path);
}
