import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from 'src/config/app-config';
import { loadConfig } from 'src/config/config';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { ModelRuntimeModule } from 'src/model-runtime/model-runtime.module';
import { testModel } from 'test/support/test-model';

// The service never starts on a model that is not the one its manifest describes: the module
// the API process loads at start refuses the package, naming the file.

async function start(env: Record<string, string>): Promise<ModelRuntime> {
  const config = new AppConfig(loadConfig(env));
  @Global()
  @Module({ providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] })
  class ConfigForTest {}
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigForTest, ModelRuntimeModule],
  }).compile();
  const runtime = moduleRef.get(ModelRuntime);
  await moduleRef.close();
  return runtime;
}

describe('starting the service with a model package', () => {
  const model = testModel();
  const env = { MODEL_NAME: model.name, MODEL_VERSION: model.version };

  it('loads the configured package', async () => {
    const runtime = await start({ ...env, MODEL_STORE_DIR: model.store });
    expect(runtime.identity).toMatchObject({ name: model.name, version: model.version });
  });

  it('refuses to start when a package file was altered, naming the file', async () => {
    const store = mkdtempSync(join(tmpdir(), 'tampered-start-'));
    try {
      const dir = join(store, model.name, model.version);
      cpSync(model.dir, dir, { recursive: true });
      const effects = readFileSync(join(dir, 'effects.bin'));
      effects.writeFloatLE(effects.readFloatLE(0) + 0.5, 0);
      writeFileSync(join(dir, 'effects.bin'), effects);
      await expect(start({ ...env, MODEL_STORE_DIR: store })).rejects.toThrow(
        /effects\.bin: SHA-256 is [0-9a-f]{64}, the manifest says/,
      );
    } finally {
      rmSync(store, { recursive: true, force: true });
    }
  });

  it('refuses to start when the configured version does not exist, naming the manifest', async () => {
    await expect(
      start({ ...env, MODEL_STORE_DIR: model.store, MODEL_VERSION: '9.9.9' }),
    ).rejects.toThrow(/manifest\.json: missing/);
  });
});
