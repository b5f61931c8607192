import { randomBytes } from 'node:crypto';
import { link, open, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SigningKeyRotationError } from 'src/signing/signing.errors';

/** File writes for secrets: private mode (0600), whole or absent, never half-written. */

const LOCK_WAIT_MS = 10_000;
const LOCK_STALE_MS = 60_000;

/** Writes `text` to a fresh private file beside `file` and returns its path. */
async function writeAside(file: string, text: string): Promise<string> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Creates `file` with `text` unless it exists; readers never see it half-written. */
export async function publishExclusive(file: string, text: string): Promise<boolean> {
  const temp = await writeAside(file, text);
  try {
    await link(temp, file);
    await syncDirectory(file);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Readers see the old file or the new one, never a mixture, and a crash leaves one of them. */
export async function replaceAtomically(file: string, text: string): Promise<void> {
  const temp = await writeAside(file, text);
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(file);
}

async function syncDirectory(file: string): Promise<void> {
  const handle = await open(dirname(file), 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Serialises rotations across processes; a lock left by a crashed process expires. */
export async function withLockFile<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new SigningKeyRotationError(
          `another rotation holds ${lock}; retry, or remove the file if no rotation is running`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

// Structural, not instanceof Error: errors from node:fs may come from another realm (Jest).
export function isErrno(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
