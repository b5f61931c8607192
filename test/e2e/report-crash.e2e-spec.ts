import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LogService } from 'src/log/log.service';
import { ReportBuilder } from 'src/reports/build/report-builder';
import { ReportsRepository } from 'src/reports/reports.repository';
import { verifyPackageZip } from 'src/verifier/package';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// A worker building a report is killed with SIGKILL at each step of the build: while the PDF is
// written, while the package is written, after the PDF is stored, after the build is logged. Nothing half-written may
// be visible under the report's keys or served, the report stays incomplete, and the next build
// completes it with files that verify.

const BUILDER_SCRIPT = 'test/support/report-build-process.ts';

function buildAndKill(
  t: TestApp,
  env: Record<string, string>,
  killAt: string,
): Promise<{ signal: NodeJS.Signals | null; steps: string[]; stderr: string }> {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', BUILDER_SCRIPT], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      DATABASE_URL: t.database.url,
      SIGNING_KEY_FILE: t.config.SIGNING_KEY_FILE,
      SIGNING_KEY_PASSPHRASE: t.config.SIGNING_KEY_PASSPHRASE,
      TEXT_KEY_DIR: t.config.TEXT_KEY_DIR,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const steps: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('progress ')) return;
    const message = line.split(' ').slice(2).join(' ');
    steps.push(message);
    if (message.startsWith(killAt)) child.kill('SIGKILL');
  });
  return new Promise((resolve) => {
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve({ signal, steps, stderr });
    });
  });
}

describe('a report build killed mid-way', () => {
  let t: TestApp;
  let w: World;
  let artifacts: string;

  beforeAll(async () => {
    artifacts = mkdtempSync(join(tmpdir(), 'report-crash-'));
    t = await createTestApp({ runWorkers: false, env: { ARTIFACTS_DIR: artifacts } });
    w = await newWorld(t);
    for (const prompt of ['The patient was given', 'The loan was']) {
      const res = await call(
        t,
        'post',
        '/v1/generations',
        { key: w.keys.generate.key },
        {
          prompt,
          maxTokens: 6,
          context: { caseId: 'CASE-K' },
        },
      );
      expect(res.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await t.close();
    rmSync(artifacts, { recursive: true, force: true });
  });

  it.each([
    'writing the PDF',
    'writing the evidence package',
    'storing the evidence package',
    'completing the report',
  ])(
    'killed at "%s": nothing half-written is visible, and the next build completes it',
    async (step) => {
      const officer = w.people.compliance_officer;
      const requested = await call(t, 'post', '/v1/reports', officer, {
        kind: 'case-file',
        caseId: 'CASE-K',
      });
      expect(requested.status).toBe(202);
      const id = (requested.body as { id: string }).id;

      const run = await buildAndKill(
        t,
        { ARTIFACTS_DIR: artifacts, TENANT_ID: w.tenantId, REPORT_ID: id, PAUSE_AT: step },
        step,
      );
      expect({ signal: run.signal, stderr: run.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      expect(run.steps.some((s) => s.startsWith(step))).toBe(true);

      const reports = t.app.get(ReportsRepository);
      expect((await reports.findById(w.tenantId, id))?.completedAt).toBeNull();
      const folder = join(artifacts, w.tenantId, id);
      const storedByKilled = new Map<string, string>();
      for (const name of existsSync(folder) ? readdirSync(folder) : []) {
        // Only whole files carry a report's names; each matches the hash written beside it.
        if (name === 'report.pdf' || name === 'evidence.zip') {
          const [sha] = readFileSync(join(folder, `${name}.sha256`), 'utf8').split(' ');
          const actual = createHash('sha256')
            .update(readFileSync(join(folder, name)))
            .digest('hex');
          expect(actual).toBe(sha);
          storedByKilled.set(name, actual);
        }
      }
      // Killed after it stored the PDF (and, later, the package and the build's log entry), the
      // worker had written files the next build, in another process, must match byte for byte.
      if (step !== 'writing the PDF' && step !== 'writing the evidence package') {
        expect(storedByKilled.has('report.pdf')).toBe(true);
      }
      const pdf = await call(t, 'get', `/v1/reports/${id}/pdf`, officer);
      expect(pdf.status).toBe(409);

      const done = await t.app.get(ReportBuilder).build(w.tenantId, id, () => Promise.resolve());
      expect(done.completedAt).not.toBeNull();
      const zip = readFileSync(join(artifacts, done.evidence?.key ?? 'missing'));
      expect(createHash('sha256').update(zip).digest('hex')).toBe(done.evidence?.sha256);
      expect((await verifyPackageZip(zip)).filter((c) => !c.ok)).toEqual([]);
      const final = { 'report.pdf': done.pdf?.sha256, 'evidence.zip': done.evidence?.sha256 };
      for (const [name, sha] of storedByKilled) expect(sha).toBe(final[name as keyof typeof final]);
      expect(readdirSync(join(artifacts, '.work')).filter((d) => d.startsWith(id))).toEqual([]);
      // However often it was attempted, the build is in the log once.
      const builds = (await t.app.get(LogService).entriesAbout(w.tenantId, id)).filter(
        (e) => (JSON.parse(e.canonical) as { action: string }).action === 'report-build',
      );
      expect(builds).toHaveLength(1);
    },
  );
});
