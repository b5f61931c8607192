import { UserPrincipal } from 'src/access/principal';
import { verifyInclusion } from 'src/evidence-format/merkle';
import { LogService } from 'src/log/log.service';
import { RecordsService, ScannedRecord } from 'src/records/records.service';
import { factory } from 'test/support/factory';
import { postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

// What a report reads: the records of a scope below a pinned checkpoint, page by page, and the
// inclusion proof of each against that checkpoint.
describe('report reads', () => {
  let t: TestApp;
  let tenantId: string;
  let adminId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    const f = factory(t);
    const tenant = await f.newTenant();
    tenantId = tenant.id;
    adminId = tenant.admin.id;
    const app = await f.newApplication(tenantId, { scopes: ['generate'] });
    for (const caseId of ['CASE-A', 'CASE-B', 'CASE-A', 'CASE-A', 'CASE-B']) {
      const res = await postAsApplication(t, '/v1/generations', app.key, {
        prompt: 'The bank',
        maxTokens: 2,
        context: { caseId },
      });
      expect(res.status).toBe(201);
      ids.push((res.body as { recordId: string }).recordId);
    }
  });
  afterAll(() => t.close());

  async function scanAll(scope: { caseId?: string }, before: number, pageSize: number) {
    const pages: ScannedRecord[][] = [];
    const scan = t.app
      .get(RecordsService)
      .scan(tenantId, scope, { before, withText: true, pageSize });
    for await (const page of scan) pages.push(page);
    return pages;
  }

  it('reads the records of a case in log order, a page at a time, with their signed entries and text', async () => {
    const pages = await scanAll({ caseId: 'CASE-A' }, 1_000, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    const records = pages.flat();
    expect(records.map((r) => r.row.id)).toEqual([ids[0], ids[2], ids[3]]);
    for (const r of records) {
      expect(r.entry.body).toMatchObject({
        id: r.row.id,
        kind: 'record',
        request: { caseId: 'CASE-A' },
      });
      expect(JSON.parse(r.canonical)).toEqual(r.entry.body);
      expect(r.text?.prompt).toBe('The bank');
    }
  });

  it('reads nothing at or after the pinned size: a rebuilt report reads the same records', async () => {
    const all = (await scanAll({}, 1_000, 500)).flat();
    const third = all[2].row.logIndex;
    const below = (await scanAll({}, third, 500)).flat();
    expect(below.map((r) => r.row.id)).toEqual([ids[0], ids[1]]);
  });

  it('gives inclusion paths that verify against the signed checkpoint, and none beyond it', async () => {
    const log = t.app.get(LogService);
    const checkpoint = await log.issueCheckpoint(tenantId);
    const records = (await scanAll({}, checkpoint.size, 500)).flat();
    const paths = await log.inclusionPaths(
      tenantId,
      checkpoint.size,
      records.map((r) => r.row.logIndex),
    );
    const root = Buffer.from(checkpoint.root, 'base64');
    records.forEach((r, i) => {
      const claim = {
        leafHash: Buffer.from(r.entry.leafHash, 'base64'),
        index: r.row.logIndex,
        treeSize: checkpoint.size,
        proof: paths[i],
        root,
      };
      expect(verifyInclusion(claim)).toBe(true);
      // The path of another leaf does not verify this one.
      expect(verifyInclusion({ ...claim, proof: paths[(i + 1) % paths.length] })).toBe(false);
    });
    await expect(log.inclusionPaths(tenantId, checkpoint.size, [checkpoint.size])).rejects.toThrow(
      /not in a tree/,
    );
  });

  it('counts the records of a scope, stopping one past the cap', async () => {
    const records = t.app.get(RecordsService);
    expect(await records.countInScope(tenantId, { caseId: 'CASE-A' }, 10)).toBe(3);
    expect(await records.countInScope(tenantId, { caseId: 'CASE-A' }, 1)).toBe(2);
    expect(await records.countInScope(tenantId, { caseId: 'CASE-Z' }, 10)).toBe(0);
  });

  it("sums the UTF-8 bytes of a scope's signed bodies, as the package will carry them", async () => {
    const records = t.app.get(RecordsService);
    const log = t.app.get(LogService);
    const bytesOf = async (which: number[]) => {
      let sum = 0;
      for (const i of which) {
        const entry = await log.entry(tenantId, ids[i]);
        sum += Buffer.byteLength(entry!.canonical, 'utf8');
      }
      return sum;
    };
    expect(await records.bodyBytesInScope(tenantId, { caseId: 'CASE-A' })).toEqual({
      records: 3,
      bytes: await bytesOf([0, 2, 3]),
    });
    expect(await records.bodyBytesInScope(tenantId, { caseId: 'CASE-B' })).toEqual({
      records: 2,
      bytes: await bytesOf([1, 4]),
    });
    expect(await records.bodyBytesInScope(tenantId, { caseId: 'CASE-Z' })).toEqual({
      records: 0,
      bytes: 0,
    });
  });

  it('reads the entries about many records below a size, and entries of kinds in a period', async () => {
    const log = t.app.get(LogService);
    const before = await log.issueCheckpoint(tenantId);
    const service = t.app.get(RecordsService);
    const user: UserPrincipal = {
      kind: 'user',
      tenantId,
      userId: adminId,
      email: 'admin@example.org',
      role: 'admin',
      sessionId: 'session',
      passwordMustChange: false,
      auditorAccessUntil: null,
    };
    await service.review(user, ids[0], { verdict: 'approved' });
    const about = await log.entriesAboutMany(tenantId, [ids[0], ids[1]], before.size + 10);
    expect(about.map((e) => [e.kind, e.subjectId])).toEqual([['review', ids[0]]]);
    expect(await log.entriesAboutMany(tenantId, [ids[0]], before.size)).toEqual([]);
    const page = await log.entriesOfKindsBetween(tenantId, {
      kinds: ['review'],
      from: new Date(Date.now() - 60_000),
      to: new Date(Date.now() + 60_000),
      before: before.size + 10,
      after: -1,
      limit: 10,
    });
    expect(page.map((e) => e.subjectId)).toEqual([ids[0]]);
  });
});
