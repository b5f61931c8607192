import { Client } from 'pg';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { submittedPayload } from 'test/support/submitted-payload';
import { createTestApp, TestApp } from 'test/support/test-app';

// A report whose records would not fit in an evidence package is refused when it is requested,
// with the sizes said, instead of being accepted and failing after its worker has read every
// record. The limit here is REPORT_PACKAGE_MAX_BYTES at its smallest, 1 MiB, so that a few
// records pass it; the evidence format's own 2 GiB is the default.
const LIMIT = 1024 ** 2;

describe('reports: the evidence package limit at the request', () => {
  let t: TestApp;
  let w: World;
  const times: { before: string; afterFirst: string; after: string } = {
    before: '',
    afterFirst: '',
    after: '',
  };
  let owner: Client;

  const reportCount = async () =>
    (
      (await call(t, 'get', '/v1/reports?limit=100', w.people.compliance_officer)).body as {
        reports: unknown[];
      }
    ).reports.length;
  /** The tenant's log entries, and the UTF-8 bytes of its records' signed bodies, counted here. */
  const logged = async () => {
    const rows = (
      await owner.query<{ kind: string; body: string }>(
        'SELECT kind, body FROM log_entries WHERE tenant_id = $1',
        [w.tenantId],
      )
    ).rows;
    const records = rows.filter((r) => r.kind === 'record');
    return {
      entries: rows.length,
      recordBytes: records.reduce((sum, r) => sum + Buffer.byteLength(r.body, 'utf8'), 0),
    };
  };

  beforeAll(async () => {
    t = await createTestApp({
      runWorkers: false,
      env: { REPORT_PACKAGE_MAX_BYTES: String(LIMIT) },
    });
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    const generation = await t.app
      .get(ModelRuntime)
      .generate('The patient was given', { maxTokens: 32, seed: 3 });
    times.before = new Date(Date.now() - 1_000).toISOString();
    // Records of one case until their signed bodies pass the limit.
    for (let i = 0; (await logged()).recordBytes <= LIMIT; i += 1) {
      const res = await call(
        t,
        'post',
        '/v1/records',
        { key: w.keys['records:submit'].key },
        submittedPayload(generation, { purpose: 'limit check', caseId: 'CASE-BIG' }),
      );
      expect(res.status).toBe(201);
      if (i === 0) {
        // A period that holds the first record only.
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        times.afterFirst = new Date(Date.now() - 500).toISOString();
      }
    }
    times.after = new Date(Date.now() + 60_000).toISOString();
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('refuses a period audit and a case file over the limit with 422, and writes nothing', async () => {
    const officer = w.people.compliance_officer;
    const reports = await reportCount();
    const before = await logged();
    expect(before.recordBytes).toBeGreaterThan(LIMIT);
    const period = await call(t, 'post', '/v1/reports', officer, {
      kind: 'period-audit',
      from: times.before,
      to: times.after,
    });
    expect(period.status).toBe(422);
    const refusal =
      /the period holds [\d,]+ records with ([\d.]+) MiB of signed bodies, more than an evidence package may carry \((1\.0+) MiB, REPORT_PACKAGE_MAX_BYTES\)/;
    const [, size, most] = refusal.exec(JSON.stringify(period.body)) ?? [];
    // Just over the limit: the two sizes carry the decimals it takes to read which is larger.
    expect(Number(size)).toBeGreaterThan(Number(most));
    const caseFile = await call(t, 'post', '/v1/reports', officer, {
      kind: 'case-file',
      caseId: 'CASE-BIG',
    });
    expect(caseFile.status).toBe(422);
    expect(JSON.stringify(caseFile.body)).toMatch(
      /the case holds [\d,]+ records with [\d.]+ (KiB|MiB) of signed bodies.*REPORT_PACKAGE_MAX_BYTES/,
    );
    expect((await logged()).entries).toBe(before.entries);
    expect(await reportCount()).toBe(reports);
  });

  it('accepts the same kind of request over a period whose records fit', async () => {
    const res = await call(t, 'post', '/v1/reports', w.people.compliance_officer, {
      kind: 'period-audit',
      from: times.before,
      to: times.afterFirst,
    });
    expect(res.status).toBe(202);
  });
});
