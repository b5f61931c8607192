import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from 'src/verifier/audit-verify';
import { OTHER_TENANT, buildLog, originOf } from 'src/verifier/verifier.fixtures';

const log = buildLog(37);
const entry = log.entries[21];
let dir: string;

/** Writes the test log's files, as an auditor would receive them. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
  const files: Record<string, string> = {
    'entry.json': JSON.stringify(entry, null, 2),
    'jwks.json': JSON.stringify(log.jwks),
    'cp.txt': log.checkpoint(37),
    'old.txt': log.checkpoint(13),
    'proof.json': JSON.stringify(log.inclusion(21, 37)),
    'consistency.json': JSON.stringify(log.consistency(13, 37)),
    'other-tenant.txt': log.checkpoint(37, { origin: originOf(OTHER_TENANT) }),
    'tampered.json': JSON.stringify({ ...entry, body: { ...entry.body, application: 'x' } }),
    'broken.json': '{"body": {',
    'duplicate.json': JSON.stringify(entry).replace('{"body":{', '{"body":{"kind":"erasure",'),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in process, with paths relative to the test directory. */
async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const argv = args.map((a) => (/\.(json|txt)$/.test(a) ? join(dir, a) : a));
  const status = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

const ID = entry.body.id as string;

describe('audit-verify', () => {
  it('verifies a record: one ok line per check, naming the entry, exit status 0', async () => {
    const { status, stdout, stderr } = await run(
      'record',
      '--entry',
      'entry.json',
      '--keys',
      'jwks.json',
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`record id=${ID} logIndex=21 tenant=${entry.body.tenant as string}`);
    expect(lines.slice(1, -1).map((l) => l.slice(0, 5))).toEqual(Array(7).fill('ok   '));
    expect(lines).toContain(`ok   signing key: ${log.newKey.kid} (kid = RFC 7638 thumbprint)`);
    expect(lines.at(-1)).toMatch(
      new RegExp(`^verified: all 7 checks passed .*id=${ID} logIndex=21`),
    );
  });

  it('fails a tampered record with exit status 1 and a FAIL line that says why', async () => {
    const { status, stdout } = await run(
      'record',
      '--entry',
      'tampered.json',
      '--keys',
      'jwks.json',
    );
    expect(status).toBe(1);
    expect(stdout).toMatch(
      /^FAIL leaf hash: the canonical body hashes to .*: the body was changed$/m,
    );
    expect(stdout).toMatch(/^FAIL signature: /m);
    expect(stdout).toMatch(new RegExp(`^FAILED: 2 of 7 checks failed .*id=${ID} logIndex=21`, 'm'));
  });

  it('verifies a checkpoint, with and without the expected origin', async () => {
    expect((await run('checkpoint', '--checkpoint', 'cp.txt', '--keys', 'jwks.json')).status).toBe(
      0,
    );
    const ok = await run(
      'checkpoint',
      '--checkpoint',
      'cp.txt',
      '--keys',
      'jwks.json',
      '--origin',
      originOf(entry.body.tenant as string),
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok {3}checkpoint origin/m);
    const wrong = await run(
      'checkpoint',
      '--checkpoint',
      'other-tenant.txt',
      '--keys',
      'jwks.json',
      '--origin',
      originOf(entry.body.tenant as string),
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toMatch(
      /^FAIL checkpoint origin: the checkpoint is from audit\.local\/a1b2/m,
    );
  });

  it("verifies inclusion, and fails it against another tenant's checkpoint", async () => {
    const args = [
      'inclusion',
      '--entry',
      'entry.json',
      '--proof',
      'proof.json',
      '--keys',
      'jwks.json',
    ];
    const ok = await run(...args, '--checkpoint', 'cp.txt');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok {3}inclusion: logIndex 21 is in the tree of size 37$/m);
    const other = await run(...args, '--checkpoint', 'other-tenant.txt');
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/^FAIL checkpoint tenant: /m);
  });

  it('verifies consistency, and fails it with the checkpoints swapped', async () => {
    const args = ['consistency', '--proof', 'consistency.json', '--keys', 'jwks.json'];
    expect((await run(...args, '--old', 'old.txt', '--new', 'cp.txt')).status).toBe(0);
    const swapped = await run(...args, '--old', 'cp.txt', '--new', 'old.txt');
    expect(swapped.status).toBe(1);
    expect(swapped.stdout).toMatch(/^FAIL consistency: the old checkpoint's size 37 is larger/m);
  });

  it.each([
    [[], /no subcommand/],
    [['frobnicate'], /unknown subcommand "frobnicate"/],
    [['record', '--entry', 'entry.json'], /record needs --keys/],
    [
      ['record', '--entry', 'entry.json', '--keys', 'jwks.json', '--proof', 'proof.json'],
      /Unknown option '--proof'/,
    ],
    [
      ['record', '--entry', 'missing.json', '--keys', 'jwks.json'],
      /cannot read --entry .*missing\.json: no such file/,
    ],
    [
      ['record', '--entry', 'broken.json', '--keys', 'jwks.json'],
      /--entry broken\.json is not valid JSON/,
    ],
    [['record', '--entry', 'duplicate.json', '--keys', 'jwks.json'], /"kind" appears twice/],
    [
      ['checkpoint', '--checkpoint', 'cp.txt', '--keys', 'broken.json'],
      /--keys broken\.json is not valid JSON/,
    ],
  ])('exits with status 2 and says why for %p', async (args, message) => {
    const { status, stdout, stderr } = await run(...args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('prints its usage for --help', async () => {
    expect(await run('--help')).toMatchObject({ status: 0, stderr: '' });
    expect((await run('record', '--help')).stdout).toMatch(/^Usage:/);
  });

  describe('as a process', () => {
    // The real entry point (require.main), compiled on the fly as `npm run` scripts do.
    function spawn(...args: string[]) {
      const argv = args.map((a) => (/\.(json|txt)$/.test(a) ? join(dir, a) : a));
      return spawnSync(
        process.execPath,
        ['-r', '@swc-node/register', 'src/verifier/audit-verify.ts', ...argv],
        { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 60_000 },
      );
    }

    it('exits 0, 1 and 2 with its lines on stdout and its complaints on stderr', () => {
      const ok = spawn(
        'inclusion',
        '--entry',
        'entry.json',
        '--proof',
        'proof.json',
        '--checkpoint',
        'cp.txt',
        '--keys',
        'jwks.json',
      );
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/^ok {3}checkpoint signature: Ed25519 by /m);
      expect(ok.stdout).toContain(`id=${ID} logIndex=21`);

      const failed = spawn('record', '--entry', 'tampered.json', '--keys', 'jwks.json');
      expect(failed.status).toBe(1);
      expect(failed.stdout).toMatch(/^FAIL leaf hash: /m);

      const usage = spawn('record', '--entry', 'broken.json', '--keys', 'jwks.json');
      expect(usage.status).toBe(2);
      expect(usage.stdout).toBe('');
      expect(usage.stderr).toMatch(/^audit-verify: --entry broken\.json is not valid JSON/);
      expect(usage.stderr).not.toMatch(/\n\s+at /);
    }, 60_000);
  });
});
