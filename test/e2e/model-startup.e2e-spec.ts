/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from 'test/support/test-app';
import { createTestDatabase } from 'test/support/test-database';
import { testModel } from 'test/support/test-model';

// The service never starts on a model that is not the one its manifest describes.

describe('starting the service with a model package', () => {
  const model = testModel();

  it('refuses to start when a package file was altered, naming the file', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tampered-start-'));
    const database = await createTestDatabase();
    try {
      const dir = join(store, model.name, model.version);
      cpSync(model.dir, dir, { recursive: true });
      const effects = readFileSync(join(dir, 'effects.bin'));
      effects.writeFloatLE(effects.readFloatLE(0) + 0.5, 0);
      writeFileSync(join(dir, 'effects.bin'), effects);
      await expect(
        createTestApp({
          database,
          env: { MODEL_STORE_DIR: store, MODEL_NAME: model.name, MODEL_VERSION: model.version },
        }),
      ).rejects.toThrow(/effects\.bin: SHA-256 is [0-9a-f]{64}, the manifest says/);
    } finally {
      await database.drop();
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('refuses to start when the configured version does not exist, naming the manifest', async () => {
    const database = await createTestDatabase();
    try {
      await expect(
        createTestApp({
          database,
          env: { MODEL_STORE_DIR: model.store, MODEL_NAME: model.name, MODEL_VERSION: '9.9.9' },
        }),
      ).rejects.toThrow(/manifest\.json: missing/);
    } finally {
      await database.drop();
    }
  });
});
