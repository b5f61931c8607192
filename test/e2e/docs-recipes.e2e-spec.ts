import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { LogService } from 'src/log/log.service';
import { projectRoot } from 'src/reports/project-root';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { runToEnd } from 'test/support/child-process';
import { createTestApp, TestApp } from 'test/support/test-app';

/**
 * The README's verification recipes and docs/VERIFYING.md's openssl recipes, run as written
 * (bash, curl, jq, xxd, openssl, npx audit-verify) against a running service. Only the lines the reader fills in (`NAME=…`) are filled, and the service's
 * address put for localhost:3000: anything else that drifts from the service fails here.
 */
function readmeBlock(after: string): string {
  const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('```sh\n', readme.indexOf(after));
  const end = readme.indexOf('\n```', start + 6);
  if (readme.indexOf(after) < 0 || start < 0 || end < 0)
    throw new Error(`no sh block after ${after}`);
  return readme.slice(start + 6, end + 1);
}

function fillIn(block: string, values: Record<string, string>, base: string): string {
  return block
    .split('\n')
    .map((line) => {
      const m = /^(\w+)=…/.exec(line);
      if (!m) return line;
      if (values[m[1]] === undefined)
        throw new Error(`the recipe asks for ${m[1]}, which the test does not fill`);
      return `${m[1]}='${values[m[1]]}'`;
    })
    .join('\n')
    .replace(/localhost:3000/g, base);
}

describe('the README verification recipe, run as written', () => {
  let t: TestApp;
  let w: World;
  let base: string;
  let dir: string;
  const values: Record<string, string> = {};

  beforeAll(async () => {
    // npx audit-verify runs the compiled verifier (bin/ → dist/), as the README says.
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: projectRoot(), stdio: 'pipe' });
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    w = await newWorld(t);
    const generate = async () => {
      const res = await call(
        t,
        'post',
        '/v1/generations',
        { key: w.keys.generate.key },
        { prompt: 'The loan was', maxTokens: 4 },
      );
      expect(res.status).toBe(201);
      return (res.body as { recordId: string }).recordId;
    };
    await generate();
    const old = await t.app.get(LogService).issueCheckpoint(w.tenantId);
    values.ID = await generate();
    values.OLD = String(old.size);
    values.KEY = w.keys['records:read'].key;
    // Inside the clone, so that npx finds the project's own audit-verify.
    dir = mkdtempSync(join(projectRoot(), '.recipe-'));
  }, 120_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  const run = (script: string) =>
    runToEnd('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir });

  it("verifies a record's inclusion and the log's consistency, every check passing", async () => {
    const script = fillIn(readmeBlock('**Verify without trusting us:**'), values, base);
    const result = await run(script);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/inclusion/i);
    expect(result.stdout).not.toMatch(/FAIL/);
    // The checkpoint kept its exact bytes: one newline at the end, not two.
    expect(readFileSync(join(dir, 'checkpoint.txt'), 'utf8')).toMatch(/[^\n]\n$/);
  }, 120_000);

  it("checks the record's signature with openssl alone, as the README writes it", async () => {
    const script = readmeBlock('With **openssl alone**');
    const result = await run(script);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('Signature Verified Successfully');
  }, 60_000);

  it("runs docs/VERIFYING.md's openssl recipes as written: signature, key id, leaf hash, checkpoint", async () => {
    const doc = readFileSync(join(projectRoot(), 'docs', 'VERIFYING.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## With openssl alone'), doc.indexOf('## What is not'));
    const blocks = [...section.matchAll(/```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]);
    expect(blocks).toHaveLength(4);
    // The canonical body the leaf-hash block reads: the exact RFC 8785 bytes (the document
    // names canonicalJson for this; jq -cjS gives the same bytes for this body).
    const entry = JSON.parse(readFileSync(join(dir, 'entry.json'), 'utf8')) as {
      body: unknown;
      leafHash: string;
      keyId: string;
    };
    writeFileSync(join(dir, 'body.canonical.json'), canonicalJson(entry.body));
    // One script, as a reader runs the blocks one after another in one shell.
    const result = await run(blocks.join('\n'));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    const out = result.stdout.trim().split('\n');
    expect(out.filter((l) => l === 'Signature Verified Successfully')).toHaveLength(2);
    // The thumbprint equals the kid; the recomputed leaf hash equals the entry's; the key ID in
    // the note equals the one computed from the key.
    expect(out).toEqual(expect.arrayContaining([entry.keyId, entry.leafHash]));
    expect(out.filter((l) => l === entry.keyId)).toHaveLength(2);
    expect(out.filter((l) => l === entry.leafHash)).toHaveLength(2);
    const hex = out.filter((l) => /^[0-9a-f]{8}$/.test(l));
    expect(hex).toHaveLength(2);
    expect(hex[0]).toBe(hex[1]);

    // A changed leaf hash: openssl refuses the signature.
    const tampered = await run(
      `${blocks[0]}`.replace('> leaf.bin', '> leaf.bin; printf x >> leaf.bin'),
    );
    expect(tampered.status).not.toBe(0);
    expect(tampered.stdout).not.toContain('Signature Verified Successfully');
  }, 60_000);

  it('fails, and says why, when the entry it fetched was altered', async () => {
    const entry = JSON.parse(readFileSync(join(dir, 'entry.json'), 'utf8')) as {
      body: { logIndex: number };
    };
    entry.body.logIndex += 1;
    writeFileSync(join(dir, 'entry.json'), JSON.stringify(entry));
    const verify = readmeBlock('**Verify without trusting us:**')
      .split('\n')
      .find((l) => l.startsWith('npx audit-verify inclusion'))!;
    const result = await run(verify);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/FAIL/);
  }, 60_000);

  it('with jq -r instead of -j, the verifier names the extra newline', async () => {
    const result = await run(
      'jq -r .checkpoint proof.json > checkpoint.txt && npx audit-verify checkpoint --checkpoint checkpoint.txt --keys jwks.json',
    );
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/extra newline after its signature lines/);
  }, 60_000);
});
