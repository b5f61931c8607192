import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { ArtifactStore } from 'src/artifacts/artifact-store';
import { LogService } from 'src/log/log.service';
import { ReportBuilder } from 'src/reports/build/report-builder';
import { ReportsRepository } from 'src/reports/reports.repository';
import { KeyRing } from 'src/signing/key-ring.service';
import { allPassed } from 'src/verifier/checks';
import { verifyPackageZip } from 'src/verifier/package';
import { readZip } from 'src/verifier/zip';
import { call, Caller, newWorld, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';
import { waitFor } from 'test/support/wait';

interface ReportView {
  id: string;
  status: string;
  requestedAt: string;
  progress: number;
  recordCount: number | null;
  checkpointSize: number;
  pdf: { sha256: string; bytes: number; href: string } | null;
  evidence: { sha256: string; bytes: number; href: string } | null;
}

const binary = (res: request.Response, callback: (e: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
};

/** REPORT_SAMPLES_DIR, made if missing: where the samples are kept for looking at them. */
function samplesDir(): string | undefined {
  const dir = process.env.REPORT_SAMPLES_DIR;
  if (dir) mkdirSync(dir, { recursive: true });
  return dir;
}

/** pdftotext of a PDF, as a reviewer's tools read it. */
function pdfText(pdf: Buffer, dir: string, name: string): string {
  const path = join(dir, `${createHash('sha256').update(pdf).digest('hex')}.pdf`);
  writeFileSync(path, pdf);
  // REPORT_SAMPLES_DIR keeps the PDFs for looking at them (pdftoppm).
  const keep = samplesDir();
  if (keep) writeFileSync(join(keep, `${name}.pdf`), pdf);
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
}

/** The manifest.json of an evidence package. */
function manifestOf(zip: Buffer): { generatedAt: string; signingKeyId: string } {
  const entry = readZip(zip, 1e9).find((e) => e.name === 'manifest.json');
  if (!entry) throw new Error('the package has no manifest.json');
  return JSON.parse(entry.data.toString('utf8')) as { generatedAt: string; signingKeyId: string };
}

// Reports through the API as their users get them: requested, built by the worker from the
// signed log, downloaded (each download logged) and verified offline by the verifier's code.
describe('reports: request, build, download, verify', () => {
  let t: TestApp;
  let w: World;
  let dir: string;
  const records: { recordId: string; caseId: string | null }[] = [];
  let keys: unknown;

  const generate = async (body: object) => {
    const res = await call(t, 'post', '/v1/generations', { key: w.keys.generate.key }, body);
    expect(res.status).toBe(201);
    return res.body as { recordId: string; text: string };
  };
  const requestReport = async (caller: Caller, body: object) => {
    const res = await call(t, 'post', '/v1/reports', caller, body);
    expect(res.status).toBe(202);
    return res.body as ReportView;
  };
  const finished = async (id: string, caller: Caller) => {
    return waitFor(
      async () => {
        const res = await call(t, 'get', `/v1/reports/${id}`, caller);
        const view = res.body as ReportView;
        if (view.status === 'failed') throw new Error(`report failed: ${JSON.stringify(view)}`);
        return view.status === 'succeeded' ? view : undefined;
      },
      `report ${id}`,
      120_000,
    );
  };
  const download = async (path: string, caller: Caller) => {
    let req = request(t.app.getHttpServer()).get(path).buffer(true).parse(binary);
    if (caller && 'key' in caller) req = req.set('Authorization', `Bearer ${caller.key}`);
    else if (caller) req = req.set('Cookie', caller.cookie);
    return req;
  };

  /** A finished report built again into a fresh folder, as a retried build would. */
  const rebuild = async (reportId: string) => {
    const row = await t.app.get(ReportsRepository).findById(w.tenantId, reportId);
    if (!row) throw new Error('no report row');
    const work = mkdtempSync(join(dir, 'rebuild-'));
    const built = await t.app
      .get(ReportBuilder)
      .buildFiles(w.tenantId, { ...row, completedAt: null }, work, () => Promise.resolve());
    return { row, built };
  };

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: true });
    w = await newWorld(t);
    dir = mkdtempSync(join(tmpdir(), 'reports-e2e-'));
    const prompts = [
      { prompt: 'The patient was given', caseId: 'CASE-7' },
      { prompt: 'The bank approved the loan', caseId: 'CASE-7' },
      { prompt: 'The court ruled that', caseId: 'CASE-9' },
    ];
    for (const p of prompts) {
      const made = await generate({
        prompt: p.prompt,
        maxTokens: 8,
        context: { caseId: p.caseId },
      });
      records.push({ recordId: made.recordId, caseId: p.caseId });
    }
    const review = await call(
      t,
      'post',
      `/v1/records/${records[0].recordId}/reviews`,
      w.people.compliance_officer,
      { verdict: 'approved', note: 'Checked against the chart' },
    );
    expect(review.status).toBe(201);
    const erased = await call(
      t,
      'post',
      `/v1/records/${records[1].recordId}/erasure`,
      w.people.admin,
      { reason: 'Subject asked for erasure (GDPR Art. 17)' },
    );
    expect(erased.status).toBe(201);
    keys = (await call(t, 'get', '/.well-known/jwks.json')).body;
  }, 180_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('builds a decision evidence report whose PDF and package say and prove what the record says', async () => {
    const officer = w.people.compliance_officer;
    const queued = await requestReport(officer, {
      kind: 'decision-evidence',
      recordId: records[0].recordId,
    });
    expect(queued.status).toMatch(/queued|running/);
    const done = await finished(queued.id, officer);
    expect(done.recordCount).toBe(1);

    const pdf = await download(`/v1/reports/${done.id}/pdf`, officer);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const pdfBytes = pdf.body as Buffer;
    expect(createHash('sha256').update(pdfBytes).digest('hex')).toBe(done.pdf?.sha256);
    const text = pdfText(pdfBytes, dir, 'decision-evidence');
    expect(text).toContain(records[0].recordId);
    expect(text).toContain('Explanation statement');
    expect(text).toContain('Checked against the chart');
    expect(text).toMatch(/Signature\s+verified/);

    const zip = await download(`/v1/reports/${done.id}/evidence`, w.people.auditor);
    expect(zip.status).toBe(200);
    const checks = await verifyPackageZip(zip.body as Buffer, keys);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(allPassed(checks)).toBe(true);
    const files = new Map(readZip(zip.body as Buffer, 1e9).map((e) => [e.name, e.data]));
    expect(files.get('report.pdf')?.equals(pdfBytes)).toBe(true);
    const lines = files.get('records.jsonl')?.toString('utf8').trim().split('\n') ?? [];
    expect(lines.map((l) => (JSON.parse(l) as { body: { id: string } }).body.id)).toEqual([
      records[0].recordId,
    ]);
    const entries = files.get('entries.jsonl')?.toString('utf8') ?? '';
    expect(entries).toContain('Checked against the chart');
  });

  it('logs every download as a read before it serves it, and refuses a stored file that was altered', async () => {
    const officer = w.people.compliance_officer;
    const done = await finished(
      (await requestReport(officer, { kind: 'case-file', caseId: 'CASE-7' })).id,
      officer,
    );
    expect(done.recordCount).toBe(2);
    const reads = async () =>
      (await t.app.get(LogService).entriesAbout(w.tenantId, done.id))
        .map(
          (e) => JSON.parse(e.canonical) as { action: string; file?: string; by: { role: string } },
        )
        .filter((b) => b.action === 'report-download');
    expect(await reads()).toEqual([]);
    expect((await download(`/v1/reports/${done.id}/pdf`, w.people.auditor)).status).toBe(200);
    expect(await reads()).toEqual([
      expect.objectContaining({ file: 'pdf', by: expect.objectContaining({ role: 'auditor' }) }),
    ]);
    const row = await t.app.get(ReportsRepository).findById(w.tenantId, done.id);
    const store = t.app.get(ArtifactStore);
    const path = join(
      t.config.ARTIFACTS_DIR ?? join(t.config.DATA_DIR, 'artifacts'),
      row?.pdf?.key ?? 'x',
    );
    const original = readFileSync(path);
    const altered = Buffer.from(original);
    altered[altered.length - 10] ^= 1;
    writeFileSync(path, altered);
    try {
      const res = await download(`/v1/reports/${done.id}/pdf`, officer);
      expect(res.status).toBe(503);
    } finally {
      writeFileSync(path, original);
    }
    expect((await store.stat(row?.pdf?.key ?? 'x'))?.sha256).toBe(row?.pdf?.sha256);
  });

  it('builds the same bytes again from the same request (a retried build)', async () => {
    const officer = w.people.compliance_officer;
    const done = await finished(
      (await requestReport(officer, { kind: 'decision-evidence', recordId: records[2].recordId }))
        .id,
      officer,
    );
    const { row, built: again } = await rebuild(done.id);
    const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
    expect(sha(again.pdfPath)).toBe(row.pdf?.sha256);
    expect(sha(again.zipPath)).toBe(row.evidence?.sha256);
  });

  it('refuses bad requests with 4xx and writes nothing', async () => {
    const officer = w.people.compliance_officer;
    const bad = [
      { kind: 'decision-evidence' },
      { kind: 'decision-evidence', recordId: 'not-a-uuid' },
      { kind: 'case-file' },
      { kind: 'case-file', caseId: 'A', subjectRef: 'B' },
      { kind: 'period-audit', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      { kind: 'period-audit', from: '2026-01-01T00:00:00Z' },
      {
        kind: 'period-audit',
        recordId: records[0].recordId,
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
      },
      { kind: 'weekly' },
    ];
    const before = (await call(t, 'get', '/v1/reports?limit=100', officer)).body as {
      reports: unknown[];
    };
    for (const body of bad) {
      const res = await call(t, 'post', '/v1/reports', officer, body);
      expect([400, 422]).toContain(res.status);
    }
    const missing = await call(t, 'post', '/v1/reports', officer, {
      kind: 'decision-evidence',
      recordId: '00000000-0000-4000-8000-000000000000',
    });
    expect(missing.status).toBe(404);
    const after = (await call(t, 'get', '/v1/reports?limit=100', officer)).body as {
      reports: unknown[];
    };
    expect(after.reports.length).toBe(before.reports.length);
  });

  it('builds a period audit over every record of the period, with a package that verifies', async () => {
    const officer = w.people.compliance_officer;
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const done = await finished(
      (await requestReport(officer, { kind: 'period-audit', from, to })).id,
      officer,
    );
    expect(done.recordCount).toBe(3);
    const zip = (await download(`/v1/reports/${done.id}/evidence`, officer)).body as Buffer;
    const keep = samplesDir();
    if (keep) {
      writeFileSync(join(keep, 'period-audit.zip'), zip);
    }
    expect((await verifyPackageZip(zip, keys)).filter((c) => !c.ok)).toEqual([]);
    const files = new Map(readZip(zip, 1e9).map((e) => [e.name, e.data]));
    const report = JSON.parse(files.get('report.json')?.toString('utf8') ?? '{}') as {
      summary: { records: number; reviews: { total: number }; erasures: { total: number } };
    };
    expect(report.summary.records).toBe(3);
    expect(report.summary.reviews.total).toBe(1);
    expect(report.summary.erasures.total).toBe(1);
    const text = pdfText(files.get('report.pdf') as Buffer, dir, 'period-audit');
    for (const heading of [
      'Volume and policy outcomes',
      'Regulatory mapping',
      'Sign-off',
      'Who read what',
    ]) {
      expect(text).toContain(heading);
    }
  });

  // Last: it adds a record, and the period audit above counts them.
  it('withdraws every report that showed a record once the record is erased, and deletes its files', async () => {
    const officer = w.people.compliance_officer;
    const made = await generate({
      prompt: 'The patient in bed four asked',
      maxTokens: 8,
      context: { caseId: 'CASE-11' },
    });
    const build = async (body: object) =>
      finished((await requestReport(officer, body)).id, officer);
    const single = await build({ kind: 'decision-evidence', recordId: made.recordId });
    const caseFile = await build({ kind: 'case-file', caseId: 'CASE-11' });
    const unrelated = await build({ kind: 'decision-evidence', recordId: records[2].recordId });
    const pdf = await download(`/v1/reports/${single.id}/pdf`, officer);
    expect(pdf.status).toBe(200);
    expect(pdfText(pdf.body as Buffer, dir, 'before-erasure')).toContain('bed four');
    const store = t.app.get(ArtifactStore);
    const rows = t.app.get(ReportsRepository);
    const keysOf = async (id: string) => {
      const row = await rows.findById(w.tenantId, id);
      return [row?.pdf?.key ?? '', row?.evidence?.key ?? ''];
    };
    const shown = [...(await keysOf(single.id)), ...(await keysOf(caseFile.id))];
    for (const key of shown) expect(await store.stat(key)).not.toBeNull();

    const erased = await call(t, 'post', `/v1/records/${made.recordId}/erasure`, w.people.admin, {
      reason: 'Subject asked for erasure (GDPR Art. 17)',
    });
    expect(erased.status).toBe(201);

    for (const id of [single.id, caseFile.id]) {
      const view = (await call(t, 'get', `/v1/reports/${id}`, officer)).body as ReportView & {
        withdrawn: { recordId: string; erasedAt: string } | null;
      };
      expect(view.withdrawn).toEqual({ recordId: made.recordId, erasedAt: expect.any(String) });
      expect([view.pdf, view.evidence]).toEqual([null, null]);
      for (const file of ['pdf', 'evidence']) {
        const refused = await download(`/v1/reports/${id}/${file}`, w.people.auditor);
        expect(refused.status).toBe(410);
        const body = JSON.parse((refused.body as Buffer).toString('utf8')) as {
          error: { code: string; message: string };
        };
        expect(body.error.code).toBe('report_withdrawn');
        expect(body.error.message).toContain(made.recordId);
      }
    }
    // The files are gone from the store; a report that never showed the record is untouched.
    for (const key of shown) expect(await store.stat(key)).toBeNull();
    expect((await download(`/v1/reports/${unrelated.id}/pdf`, officer)).status).toBe(200);
    const listed = (await call(t, 'get', '/v1/reports?limit=100', officer)).body as {
      reports: { id: string; withdrawn: unknown }[];
    };
    expect(
      listed.reports
        .filter((r) => r.withdrawn !== null)
        .map((r) => r.id)
        .sort(),
    ).toEqual([single.id, caseFile.id].sort());
    const page = await call(t, 'get', '/reports', officer);
    expect(page.text).toContain('withdrawn');
    expect(page.text).toContain(`/generations/${made.recordId}`);

    // Asked again, the report is built without the text, and stays available.
    const again = await build({ kind: 'decision-evidence', recordId: made.recordId });
    const rebuilt = await download(`/v1/reports/${again.id}/pdf`, officer);
    expect(rebuilt.status).toBe(200);
    expect(pdfText(rebuilt.body as Buffer, dir, 'after-erasure')).not.toContain('bed four');
  });
  it('builds a package that verifies when the signing key came into service in the second of the request', async () => {
    // A key that starts a little after a second begins, and a report requested in that second
    // (as on a first start: the key ring is created, then a report is asked for at once).
    while (Date.now() % 1000 < 20 || Date.now() % 1000 > 300) await sleep(5);
    const added = await t.app.get(KeyRing).rotate(new Date());
    const officer = w.people.compliance_officer;
    const queued = await requestReport(officer, {
      kind: 'decision-evidence',
      recordId: records[2].recordId,
    });
    expect(Date.parse(queued.requestedAt)).toBeGreaterThanOrEqual(added.validFrom.getTime());
    const done = await finished(queued.id, officer);
    const zip = await download(`/v1/reports/${done.id}/evidence`, w.people.auditor);
    const rotated = (await call(t, 'get', '/.well-known/jwks.json')).body;
    expect((await verifyPackageZip(zip.body as Buffer, rotated)).filter((c) => !c.ok)).toEqual([]);
  });

  it('signs a report built after a key rotation with the new key, dated within its window', async () => {
    // Requested, then the key rotated before the build (here: a rebuild of a finished report):
    // the package's time is the new key's first instant, never the request time it preceded.
    const officer = w.people.compliance_officer;
    const done = await finished(
      (await requestReport(officer, { kind: 'decision-evidence', recordId: records[0].recordId }))
        .id,
      officer,
    );
    const row = await t.app.get(ReportsRepository).findById(w.tenantId, done.id);
    if (!row) throw new Error('no report row');
    // The request time is rounded up to the second: rotate after it.
    while (Date.now() <= row.requestedAt.getTime()) await sleep(5);
    const added = await t.app.get(KeyRing).rotate(new Date());
    expect(added.validFrom.getTime()).toBeGreaterThan(row.requestedAt.getTime());
    const zip = readFileSync((await rebuild(done.id)).built.zipPath);
    const manifest = manifestOf(zip);
    expect(manifest.signingKeyId).toBe(added.kid);
    expect(manifest.generatedAt).toBe(added.validFrom.toISOString());
    const rotated = (await call(t, 'get', '/.well-known/jwks.json')).body;
    expect((await verifyPackageZip(zip, rotated)).filter((c) => !c.ok)).toEqual([]);
    // Built again by the same key: the same bytes.
    expect(readFileSync((await rebuild(done.id)).built.zipPath).equals(zip)).toBe(true);
  });
  it('signs with the key in service while a rotation is scheduled ahead', async () => {
    const ring = t.app.get(KeyRing);
    const signing = ring.keyAt();
    const scheduled = await ring.rotate(new Date(Date.now() + 10 * 60_000));
    const officer = w.people.compliance_officer;
    const done = await finished(
      (await requestReport(officer, { kind: 'decision-evidence', recordId: records[2].recordId }))
        .id,
      officer,
    );
    const zip = (await download(`/v1/reports/${done.id}/evidence`, w.people.auditor))
      .body as Buffer;
    const manifest = manifestOf(zip);
    expect(manifest.signingKeyId).toBe(signing.kid);
    expect(manifest.signingKeyId).not.toBe(scheduled.kid);
    const jwks = (await call(t, 'get', '/.well-known/jwks.json')).body;
    expect((await verifyPackageZip(zip, jwks)).filter((c) => !c.ok)).toEqual([]);
  });
});
