import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisioningService } from 'src/provisioning/provisioning.service';
import { projectRoot } from 'src/reports/project-root';
import { verifyInclusionProof } from 'src/verifier/verify';
import { runToEnd } from 'test/support/child-process';
import { createTestApp, TestApp } from 'test/support/test-app';

/**
 * A typed client generated from the OpenAPI document the service serves, by a generator others
 * use (openapi-typescript for the types, openapi-fetch for the calls), compiles with `tsc
 * --strict` and makes the README's quick-start calls: the demo admin's sign-in and own password,
 * then with the demo key a generation, its record, its inclusion proof and the checkpoint. A
 * document the generator cannot read, or types the program does not compile against, fail here.
 */

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    noUnusedLocals: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: 'ES2023',
    lib: ['ES2023', 'DOM'],
    module: 'node16',
    moduleResolution: 'node16',
    types: ['node'],
    // The generated api.ts is checked like the program; only the packages' own .d.ts are skipped.
    skipLibCheck: true,
    outDir: 'dist',
  },
  files: ['quick-start.ts', 'api.ts'],
};

describe('a typed client generated from /docs-json', () => {
  let t: TestApp;
  let base: string;
  let dir: string;
  let demo: { oneTimePassword: string; key: string };

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    // The embedded default's first start: the demo tenant, its admin and its all-scopes key.
    const created = await t.app.get(ProvisioningService).createDemoIfAbsent();
    if (!created) throw new Error('the demo tenant exists already');
    demo = { oneTimePassword: created.admin.oneTimePassword, key: created.key.key };
    dir = mkdtempSync(join(tmpdir(), 'audit-typed-client-'));
  }, 60_000);

  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('compiles with tsc --strict and runs the quick start', async () => {
    for (const file of ['generate.mjs', 'quick-start.ts']) {
      copyFileSync(join(projectRoot(), 'test', 'typed-client', file), join(dir, file));
    }
    symlinkSync(join(projectRoot(), 'node_modules'), join(dir, 'node_modules'));
    // The generator reads the served document itself, as `npx openapi-typescript <url>` would.
    const node = (...args: string[]) => runToEnd(process.execPath, args, { cwd: dir });
    const generated = await node('generate.mjs', `${base}/docs-json`, 'api.ts');
    expect({ status: generated.status, stderr: generated.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));

    const tsc = await node(require.resolve('typescript/bin/tsc'), '-p', '.');
    expect({ status: tsc.status, errors: tsc.stdout + tsc.stderr }).toEqual({
      status: 0,
      errors: '',
    });

    const program = await runToEnd(process.execPath, [join('dist', 'quick-start.js')], {
      cwd: dir,
      env: {
        BASE_URL: base,
        ONE_TIME_PASSWORD: demo.oneTimePassword,
        NEW_PASSWORD: 'a passphrase of my own choosing',
        API_KEY: demo.key,
      },
    });
    expect({ status: program.status, stderr: program.stderr }).toEqual({ status: 0, stderr: '' });
    const out = JSON.parse(program.stdout) as {
      signedIn: { role: string; mustChange: boolean; sessionKind: string };
      generation: { recordId: string; text: string; outcome: string; replayed: boolean };
      record: { entry: { body: { id: string } }; chunks: number; textShown: boolean };
      proof: { treeSize: number; checkpoint: string };
      checkpoint: { size: number; checkpoint: string };
      jwks: unknown;
    };
    expect(out.signedIn).toEqual({ role: 'admin', mustChange: true, sessionKind: 'user' });
    expect(out.generation).toMatchObject({ outcome: 'pass', replayed: false });
    expect(out.record.entry.body.id).toBe(out.generation.recordId);
    expect(out.record.chunks).toBeGreaterThan(0);
    expect(out.record.textShown).toBe(true);
    // The answers verify as an auditor's tools check them: record, checkpoint, inclusion.
    const checks = verifyInclusionProof(
      out.record.entry,
      out.proof,
      out.proof.checkpoint,
      out.jwks,
    );
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(out.checkpoint.size).toBeGreaterThanOrEqual(out.proof.treeSize);
  }, 90_000);
});
