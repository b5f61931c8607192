/// <reference lib="dom" />
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { UsersService } from 'src/users/users.service';
import { projectRoot } from 'src/reports/project-root';
import { activate, call, newWorld, unique, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

/** Debian's Chromium (installed by .ci/run); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the run writes a screenshot of every page, for people to look at. */
const SHOTS = process.env.PORTAL_SCREENSHOTS_DIR ?? join(projectRoot(), 'screenshots', 'portal');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

// The portal as its users meet it, in a real Chromium against the real service (PostgreSQL,
// the queue, the worker building reports): a compliance officer's day, an auditor's read-only
// visit and its end, and a record altered in the database failing the browser's own checks.
describe('portal in a browser', () => {
  let t: TestApp;
  let w: World;
  let base: string;
  let browser: Browser;
  const records: string[] = [];
  let concept = '';
  const detectedIn: string[] = [];
  const undetectedIn: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
      );
    }
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    w = await newWorld(t);
    for (const [i, prompt] of [
      'The loan application was reviewed by the bank because',
      'The patient was given medication for the infection and',
      'Interest rates and credit scores determine whether',
    ].entries()) {
      const res = await call(
        t,
        'post',
        '/v1/generations',
        { key: w.keys.generate.key },
        {
          prompt,
          maxTokens: 12,
          seed: i,
          context: { caseId: 'CASE-PORTAL-1', purpose: 'portal test' },
        },
      );
      expect(res.status).toBe(201);
      records.push((res.body as { recordId: string }).recordId);
    }
    // A concept the first record uses: what the officer filters by.
    const first = await call(t, 'get', `/v1/records/${records[0]}`, w.people.admin);
    const chunks = (
      first.body as {
        entry: { body: { chunks: { concepts: { known: { key?: string; share: number }[] } }[] } };
      }
    ).entry.body.chunks;
    const known = chunks
      .flatMap((c) => c.concepts.known)
      .filter((k) => k.key)
      .sort((a, b) => b.share - a.share);
    concept = known[0].key!;
    // Which of the three records state that concept detected (0.5 or more in some chunk).
    for (const id of records) {
      const body = (await call(t, 'get', `/v1/records/${id}`, w.people.admin)).body as {
        entry: {
          body: { chunks: { concepts: { known: { key?: string; detection?: number }[] } }[] };
        };
      };
      const found = body.entry.body.chunks
        .flatMap((c) => c.concepts.known)
        .filter((k) => k.key === concept)
        .map((k) => k.detection as number);
      if (found.length > 0) (Math.max(...found) >= 0.5 ? detectedIn : undetectedIn).push(id);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await browser.newContext({
      baseURL: base,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    return { context, page: await context.newPage() };
  };

  const signIn = async (page: Page, email: string, password: string) => {
    if (!page.url().startsWith(`${base}/sign-in`)) await page.goto('/sign-in');
    await page.getByLabel('Organisation').fill(w.slug);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
  };

  /** axe-core in the page: no serious or critical violation. Run through the DevTools protocol, which the page's CSP does not govern. */
  const accessible = async (page: Page, name: string) => {
    const violations = await page.evaluate(async (source) => {
      (0, eval)(source);
      const axe = (
        window as unknown as {
          axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> };
        }
      ).axe;
      const result = await axe.run(document, { resultTypes: ['violations'] });
      return result.violations;
    }, AXE);
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect({
      page: name,
      violations: bad.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`,
      ),
    }).toEqual({ page: name, violations: [] });
  };

  const shot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };

  it('a compliance officer signs in, finds a record by concept, verifies it in the browser, reviews it and gets a period report', async () => {
    const { context, page } = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    await page.goto('/generations');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await accessible(page, 'sign-in');
    await shot(page, '01-sign-in');

    await signIn(page, w.people.compliance_officer.email, w.people.compliance_officer.password);
    expect(new URL(page.url()).pathname).toBe('/generations');
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Dashboard' }).count()).resolves.toBe(1);
    expect(await page.locator('.card .figure').first().textContent()).toBe('3');
    await page.getByRole('button', { name: 'Verify the whole log now' }).click();
    await page.locator('[data-last-verification]').waitFor({ timeout: 60_000 });
    const verdict = page.locator('[data-last-verification]');
    expect(await verdict.getAttribute('data-last-verification')).toBe('passed');
    expect(await verdict.textContent()).toMatch(/no problem found/);
    // The top concepts say in how many of the records that list them the model detected them.
    const topConcept = page.locator('table.top-concepts tbody tr', {
      has: page.locator(`a[href="/generations?concept=${encodeURIComponent(concept)}"]`),
    });
    expect(await topConcept.count()).toBe(1);
    expect(await topConcept.locator('td').last().textContent()).toBe(
      `${detectedIn.length} of ${detectedIn.length + undetectedIn.length}`,
    );
    await accessible(page, 'dashboard');
    await shot(page, '02-dashboard');

    await page.goto('/generations');
    await page.getByLabel('Named concept').fill(concept);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).searchParams.get('concept')).toBe(concept);
    const rows = page.locator('table.records tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    // The search is a read in the signed log: who searched, for what, and which records it listed.
    const lastSearch = async () => {
      const owner = new Client({ connectionString: t.database.url });
      await owner.connect();
      const searches = await owner.query<{ body: string }>(
        `SELECT body FROM log_entries WHERE tenant_id = $1 AND kind = 'access' AND body LIKE '%"action":"search"%' ORDER BY log_index DESC LIMIT 1`,
        [w.tenantId],
      );
      await owner.end();
      return JSON.parse(searches.rows[0].body) as {
        by: { userId: string };
        filters: { concept: string; detected?: string };
        listed: string[];
      };
    };
    const logged = await lastSearch();
    expect(logged.by.userId).toBe(w.people.compliance_officer.userId);
    expect(logged.filters.concept).toBe(concept);
    expect(logged.listed).toContain(records[0]);
    await accessible(page, 'generations');
    await shot(page, '03-generations-filtered');

    // Narrowed to the records that state the concept detected, then to those that say it was not.
    for (const [option, value, expected] of [
      ['Detected', 'true', detectedIn],
      ['Not detected', 'false', undetectedIn],
    ] as const) {
      await page.getByLabel('Concept detected').selectOption({ label: option });
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForLoadState('load');
      expect(new URL(page.url()).searchParams.get('detected')).toBe(value);
      expect(await page.locator('table.records tbody tr:not(:has(td.empty))').count()).toBe(
        expected.length,
      );
      const narrowed = await lastSearch();
      expect(narrowed.filters.detected).toBe(value);
      expect([...narrowed.listed].sort()).toEqual([...expected].sort());
    }
    // The concept is the first record's, so that record is in one of the two.
    expect([...detectedIn, ...undetectedIn]).toContain(records[0]);
    await page.getByLabel('Concept detected').selectOption({ label: 'Either' });
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForLoadState('load');

    // Saved filters stay in this browser, and lead back to the same search.
    await page.getByLabel('Name', { exact: true }).fill('Top concept');
    await page.getByRole('button', { name: 'Save this filter' }).click();
    await page.goto('/generations');
    await page.getByRole('link', { name: 'Top concept' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).searchParams.get('concept')).toBe(concept);

    // The CSV export holds the view's records, and is logged as an export.
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export this view as CSV' }).click(),
    ]);
    const lines = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      'record_id,log_index,time,application,purpose,case_id,provenance,policy_outcome',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toContain(records[0]);
    expect(lines).toHaveLength(1 + (await rows.count()));

    await page.goto(`/generations/${records[0]}`);
    await page
      .locator('#verification[data-verify="passed"], #verification[data-verify="failed"]')
      .waitFor();
    expect(await page.locator('#verification').getAttribute('data-verify')).toBe('passed');
    expect(await page.locator('[data-verify-checks] li.pass').count()).toBe(6);
    // The heat map: focusing a chunk re-shades the prompt by that chunk.
    const words = page.locator('[data-prompt] [data-word]');
    expect(await words.count()).toBeGreaterThan(3);
    await page.locator('[data-output] [data-chunk]').first().focus();
    expect(await page.locator('[data-heat-caption]').textContent()).toMatch(/^Shaded by chunk 1/);
    expect(await page.locator('.concept-bars').count()).toBeGreaterThan(0);
    expect(await page.locator('.bars-summary').first().textContent()).toMatch(/named \d+(\.\d)?%/);
    // Every named bar says under its name whether the concept was detected in the text.
    const named = page.locator('.bar.named');
    expect(await named.count()).toBeGreaterThan(0);
    expect(await page.locator('.bar.named .bar-detail').count()).toBe(await named.count());
    expect(await page.locator('.bar.named .bar-detail').first().textContent()).toMatch(
      /^(not )?detected, [01]\.\d\d$/,
    );
    await accessible(page, 'generation');
    await shot(page, '04-generation');

    await page.getByLabel('Approve').check();
    await page.getByLabel(/^Note/).fill('Checked against the case notes.');
    await page.getByRole('button', { name: 'Sign and add review' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.thread li').first().textContent()).toMatch(/reviewed: approved/);
    const entries = await call(t, 'get', `/v1/records/${records[0]}`, w.people.admin);
    const related = (entries.body as { related: { body: { kind: string; verdict?: string } }[] })
      .related;
    expect(related.some((e) => e.body.kind === 'review' && e.body.verdict === 'approved')).toBe(
      true,
    );

    await page.goto('/reports');
    await page.getByRole('button', { name: 'Request period audit' }).click();
    await page.waitForLoadState('load');
    const row = page.locator('tr[data-report]').first();
    await accessible(page, 'reports');
    await shot(page, '05-reports-progress');
    await page
      .locator('tr[data-report][data-status="succeeded"]')
      .first()
      .waitFor({ timeout: 120_000 });
    await shot(page, '06-reports-ready');
    const pdf = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('link', { name: 'PDF' }).click(),
    ]);
    expect(
      readFileSync(await pdf[0].path())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const zip = await Promise.all([
      page.waitForEvent('download'),
      page
        .locator('tr[data-report]')
        .first()
        .getByRole('link', { name: 'Evidence package' })
        .click(),
    ]);
    expect(
      readFileSync(await zip[0].path())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');

    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);

  it('an auditor finds no edit control, is refused any write, and is signed out when the grant ends', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('auditor')}@example.org`, role: 'auditor' },
      { userId: null },
    );
    const until = new Date(Date.now() + 20_000);
    await users.grantAuditor(
      w.tenantId,
      { userId: made.user.id, validUntil: until.toISOString() },
      { userId: null },
    );
    const person = await activate(
      t,
      w.slug,
      { userId: made.user.id, email: made.user.email, role: 'auditor' },
      made.oneTimePassword,
    );

    const { context, page } = await newPage();
    await signIn(page, person.email, person.password);
    expect(await page.locator('.grant').textContent()).toMatch(/Read-only access until/);
    await page.goto(`/generations/${records[1]}`);
    await page.locator('#verification[data-verify="passed"]').waitFor();
    expect(await page.locator('form[action$="/reviews"], form[action$="/erasure"]').count()).toBe(
      0,
    );
    await accessible(page, 'generation-auditor');
    await shot(page, '07-auditor-generation');
    await page.goto('/reports');
    expect(await page.locator('form[action="/reports"]').count()).toBe(0);

    // Writes forged from the auditor's own page, with the session's CSRF token: refused.
    const csrf = await page
      .locator('form[action="/sign-out"] input[name="_csrf"]')
      .getAttribute('value');
    const statuses = await page.evaluate(
      async ({ id, token }) => {
        const form = (fields: Record<string, string>) =>
          new URLSearchParams({ _csrf: token, ...fields });
        const post = async (url: string, body: BodyInit, type: string) =>
          (
            await fetch(url, {
              method: 'POST',
              body,
              headers: { 'Content-Type': type, 'X-CSRF-Token': token },
              redirect: 'manual',
            })
          ).status;
        return [
          await post(
            `/generations/${id}/reviews`,
            form({ verdict: 'approved' }),
            'application/x-www-form-urlencoded',
          ),
          await post(
            `/generations/${id}/erasure`,
            form({ reason: 'forged' }),
            'application/x-www-form-urlencoded',
          ),
          await post(
            '/reports',
            form({ kind: 'case-file', caseId: 'CASE-PORTAL-1' }),
            'application/x-www-form-urlencoded',
          ),
          await post(
            `/v1/records/${id}/reviews`,
            JSON.stringify({ verdict: 'approved' }),
            'application/json',
          ),
          await post(
            '/v1/reports',
            JSON.stringify({ kind: 'case-file', caseId: 'CASE-PORTAL-1' }),
            'application/json',
          ),
        ];
      },
      { id: records[1], token: csrf ?? '' },
    );
    expect(statuses).toEqual([403, 403, 403, 403, 403]);

    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, until.getTime() - Date.now() + 500)),
    );
    await page.goto('/generations');
    expect(new URL(page.url()).pathname).toBe('/signed-out');
    expect(await page.locator('main').textContent()).toMatch(/auditor access has ended/);
    await accessible(page, 'signed-out');
    await shot(page, '08-auditor-signed-out');
    // Signed out for good: the cookie is gone, so the next page asks for sign-in.
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await context.close();
  }, 120_000);

  it('an admin signs in for the first time, changes the one-time password, manages people and keys, and publishes a policy', async () => {
    const users = t.app.get(UsersService);
    const made = await users.createUser(
      w.tenantId,
      { email: `${unique('admin')}@example.org`, role: 'admin' },
      { userId: null },
    );
    const { context, page } = await newPage();
    await signIn(page, made.user.email, made.oneTimePassword);
    expect(new URL(page.url()).pathname).toBe('/account/password');
    await accessible(page, 'password');
    await shot(page, '10-first-sign-in-password');
    // Until the password is changed, every other page sends the person back here.
    await page.goto('/generations');
    expect(new URL(page.url()).pathname).toBe('/account/password');
    const chosen = 'a passphrase of several words, long enough';
    await page.getByLabel('The one-time password you were given').fill(made.oneTimePassword);
    await page.getByLabel('New password', { exact: true }).fill(chosen);
    await page.getByLabel('New password, again').fill(chosen);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('.notice').textContent()).toMatch(/password is changed/);

    await page.goto('/admin');
    await accessible(page, 'admin');
    await page.getByLabel('Name').fill('portal-registered-app');
    await page.locator('form[action="/admin/applications"] input[value="records:read"]').check();
    await page.getByRole('button', { name: 'Register and issue key' }).click();
    await page.waitForLoadState('load');
    const key = (await page.locator('[data-secret]').textContent()) ?? '';
    expect(key).toMatch(/^iak_/);
    await shot(page, '11-admin-key-shown-once');
    // The key works, once shown; the page never shows it again.
    const read = await call(t, 'get', '/v1/records?limit=1', { key });
    expect(read.status).toBe(200);
    await page.goto('/admin');
    expect(await page.content()).not.toContain(key);
    await page.locator('form[action^="/admin/keys/"]').last().getByRole('button').click();
    await page.waitForLoadState('load');
    expect((await call(t, 'get', '/v1/records?limit=1', { key })).status).toBe(401);

    await page.goto('/policies');
    await page.getByLabel(/^Rules/).fill(
      JSON.stringify({
        thresholds: [{ group: 'health', flagAbove: 0.3 }],
        requiredFields: ['purpose'],
      }),
    );
    await page.getByRole('button', { name: /^Publish version 1/ }).click();
    await page.waitForLoadState('load');
    await page.getByLabel(/^Rules/).fill(
      JSON.stringify({
        thresholds: [{ group: 'health', flagAbove: 0.2, blockAbove: 0.6 }],
        requiredFields: ['purpose'],
      }),
    );
    await page.getByRole('button', { name: /^Publish version 2/ }).click();
    await page.waitForLoadState('load');
    await page.getByRole('link', { name: 'against 1' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.diff-add').allTextContents()).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"flagAbove": 0.2'),
        expect.stringContaining('"blockAbove": 0.6'),
      ]),
    );
    expect(await page.locator('.diff-del').allTextContents()).toEqual([
      expect.stringContaining('"flagAbove": 0.3'),
    ]);
    await accessible(page, 'policies');
    await shot(page, '12-policies-diff');
    // A bad version is refused with the field named, and nothing is published.
    await page.goto('/policies');
    await page.getByLabel(/^Rules/).fill('{"thresholds": [{"group": "health", "flagAbove": 7}]}');
    await page.getByRole('button', { name: /^Publish version 3/ }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('.problems').textContent()).toMatch(
      /rules\.thresholds\.0\.flagAbove: must be a share between 0 and 1/,
    );
    // The draft comes back as typed.
    expect(await page.getByLabel(/^Rules/).inputValue()).toContain('"flagAbove": 7');
    await accessible(page, 'policies-refused');
    await shot(page, '13-policy-refused');
    await page.goto(`/generations/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`);
    expect(await page.locator('h1').textContent()).toBe('Not found');
    await accessible(page, 'error');
    await shot(page, '15-error-page');
    await page.goto('/policies');
    expect(await page.getByRole('button', { name: /^Publish version 3/ }).count()).toBe(1);
    await context.close();
  }, 120_000);

  it('a session that ends sends the person to sign in again, and back to the page afterwards', async () => {
    const { context, page } = await newPage();
    const officer = w.people.compliance_officer;
    await signIn(page, officer.email, officer.password);
    const cookie = (await context.cookies()).find((c) => c.name === 'audit_session');
    expect(cookie).toBeDefined();
    // The server ends every session of this person (as a password change elsewhere would).
    const owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    await owner.query(
      `UPDATE sessions SET revoked_at = now() WHERE token_hash = sha256($1::bytea)`,
      [Buffer.from(cookie!.value)],
    );
    await owner.end();
    await page.goto(`/generations/${records[0]}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    expect(await page.locator('.notice').textContent()).toMatch(/session ended/i);
    await shot(page, '14-session-ended');
    await page.getByLabel('Organisation').fill(w.slug);
    await page.getByLabel('E-mail').fill(officer.email);
    await page.getByLabel('Password').fill(officer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).pathname).toBe(`/generations/${records[0]}`);
    await context.close();
  }, 60_000);

  it('a record changed in the database as its owner fails the check in the browser', async () => {
    const owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    const id = records[2];
    const { rows } = await owner.query<{ body: string }>(
      `SELECT body FROM log_entries WHERE id = $1`,
      [id],
    );
    const original = rows[0].body;
    const changed = original.replace('"purpose":"portal test"', '"purpose":"portal test, edited"');
    expect(changed).not.toBe(original);
    await owner.query(`ALTER TABLE log_entries DISABLE TRIGGER USER`);
    try {
      await owner.query(`UPDATE log_entries SET body = $2 WHERE id = $1`, [id, changed]);
      const { context, page } = await newPage();
      await signIn(page, w.people.compliance_officer.email, w.people.compliance_officer.password);
      await page.goto(`/generations/${id}`);
      await page
        .locator('#verification[data-verify="failed"], #verification[data-verify="passed"]')
        .waitFor();
      expect(await page.locator('#verification').getAttribute('data-verify')).toBe('failed');
      const failed = await page.locator('[data-verify-checks] li.fail').allTextContents();
      expect(failed.join('\n')).toMatch(/Leaf hash/);
      expect(failed.join('\n')).toMatch(/Signature/);
      expect(failed.join('\n')).toMatch(/Inclusion in the log/);
      await shot(page, '09-tampered-record');
      await context.close();
    } finally {
      await owner.query(`UPDATE log_entries SET body = $2 WHERE id = $1`, [id, original]);
      await owner.query(`ALTER TABLE log_entries ENABLE TRIGGER USER`);
      await owner.end();
    }
  }, 120_000);
});
