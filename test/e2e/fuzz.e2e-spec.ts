import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { App } from 'supertest/types';
import { newWorld, World } from 'test/support/auth-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

/**
 * A fuzz suite generated from the service's own OpenAPI document (/docs-json): every operation,
 * with and without credentials (none, forged key, forged cookie and CSRF token, a real session
 * with a wrong CSRF token, a real admin, real keys), with hostile path and query parameters and
 * hostile bodies (deep and wide JSON, wrong types, huge numbers, invalid UTF-8, injection
 * strings, prototype keys, other media types). Every answer must be below 500, and a refused
 * request (4xx) must write nothing: the tables of records, the log, reports, jobs, people, keys
 * and policies keep their row counts. (auth_events is left out: a failed sign-in is recorded
 * there on purpose.) The queue workers do not run, so nothing writes in the background.
 */

interface Operation {
  method: 'get' | 'post';
  path: string;
  query: string[];
  fields: string[];
  /** The statuses its document lists. */
  documented: Set<number>;
}

interface Doc {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: { name: string; in: string }[];
        requestBody?: { content: Record<string, { schema?: { $ref?: string } }> };
        responses?: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE records; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '${7*7}{{7*7}}',
  '%00',
  'x'.repeat(5000),
  '\u202e\ufeff\ud83d\ude00',
];
const PATH_VALUES = [
  randomUUID(),
  '..%2F..%2Fetc',
  "1'%20OR%20'1'='1",
  '%FF%FE',
  'x'.repeat(300),
  '-1',
  '99999999999999999999',
];
const HOSTILE_VALUES: unknown[] = [
  1e308,
  -1,
  1.5,
  -0,
  '',
  [],
  {},
  null,
  true,
  { $gt: '' },
  ['a', 1, null],
  ...INJECTIONS,
];

const nested = (depth: number) => `${'['.repeat(depth)}0${']'.repeat(depth)}`;
const wide = () =>
  JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])));

/** Raw bodies: [content type, bytes]. */
function hostileBodies(fields: string[]): [string, string | Buffer][] {
  const json = 'application/json';
  const bodies: [string, string | Buffer][] = [
    [json, nested(1319)],
    [json, `{"a":${nested(64)}}`],
    [json, wide()],
    [json, '[]'],
    [json, '"a string"'],
    [json, '123'],
    [json, 'null'],
    [json, '{"unterminated": "'],
    [
      json,
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]),
    ],
    [json, '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
    ['text/plain', 'hello'],
    ['application/xml', '<a>1</a>'],
    ['application/x-www-form-urlencoded', 'a=1&a=2&b[c]=3'],
  ];
  for (const value of HOSTILE_VALUES) {
    bodies.push([json, JSON.stringify(Object.fromEntries(fields.map((f) => [f, value])))]);
  }
  return bodies;
}

function operations(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (method !== 'get' && method !== 'post') throw new Error(`no fuzzing for ${method} yet`);
      const ref = Object.values(op.requestBody?.content ?? {})[0]?.schema?.$ref;
      const schema = ref ? doc.components.schemas[ref.split('/').pop()!] : undefined;
      ops.push({
        method,
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        fields: Object.keys(schema?.properties ?? {}),
        documented: new Set(Object.keys(op.responses ?? {}).map(Number)),
      });
    }
  }
  // Ending a session last, so the real session serves every other operation.
  return ops.sort(
    (a, b) => Number(a.path === '/v1/auth/sign-out') - Number(b.path === '/v1/auth/sign-out'),
  );
}

describe('fuzzing every operation of the OpenAPI document', () => {
  let t: TestApp;
  let http: App;
  let w: World;
  let owner: Client;

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    http = t.app.getHttpServer();
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
  }, 60_000);
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  const written = async (): Promise<string> => {
    const { rows } = await owner.query<{ n: string }>(
      `SELECT concat_ws(',', (SELECT count(*) FROM records), (SELECT count(*) FROM log_entries),
         (SELECT count(*) FROM reports), (SELECT count(*) FROM jobs), (SELECT count(*) FROM users),
         (SELECT count(*) FROM applications), (SELECT count(*) FROM api_keys),
         (SELECT count(*) FROM auditor_grants), (SELECT count(*) FROM policies),
         (SELECT count(*) FROM checkpoints), (SELECT count(*) FROM log_verifications),
         (SELECT count(*) FROM record_text_keys)) AS n`,
    );
    return rows[0].n;
  };

  it('answers below 500 everywhere, and a refused request writes nothing', async () => {
    const doc = (await request(http).get('/docs-json')).body as Doc;
    const admin = w.people.admin;
    const credentials: Record<string, (r: request.Test) => request.Test> = {
      none: (r) => r,
      'forged key': (r) =>
        r.set('Authorization', 'Bearer iak_forgedforged_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      'forged cookie': (r) => r.set('Cookie', 'audit_session=forged').set('X-CSRF-Token', 'forged'),
      'session, wrong CSRF': (r) => r.set('Cookie', admin.cookie).set('X-CSRF-Token', 'forged'),
      admin: (r) => r.set('Cookie', admin.cookie).set('X-CSRF-Token', admin.csrf),
      'generate key': (r) => r.set('Authorization', `Bearer ${w.keys.generate.key}`),
      'submit key': (r) => r.set('Authorization', `Bearer ${w.keys['records:submit'].key}`),
      'read key': (r) => r.set('Authorization', `Bearer ${w.keys['records:read'].key}`),
      'reports key': (r) => r.set('Authorization', `Bearer ${w.keys.reports.key}`),
    };
    const failures: string[] = [];
    const undocumented = new Set<string>();
    const statuses = new Map<number, number>();
    let sent = 0;
    for (const op of operations(doc)) {
      const paths = op.path.includes('{')
        ? PATH_VALUES.map((v) => op.path.replace(/\{\w+\}/g, v))
        : [op.path];
      for (const [who, authenticate] of Object.entries(credentials)) {
        const variants: { path: string; type?: string; body?: string | Buffer }[] = [];
        for (const path of paths) {
          if (op.method === 'get') {
            variants.push({ path });
            for (const value of INJECTIONS.slice(0, 4)) {
              const q = new URLSearchParams(Object.fromEntries(op.query.map((n) => [n, value])));
              if (op.query.length) variants.push({ path: `${path}?${q.toString()}` });
            }
          } else {
            variants.push({ path, type: 'application/json', body: '{}' });
          }
        }
        // The hostile bodies, on one path each, for the credentials that get past authentication.
        if (op.method === 'post' && !who.startsWith('forged')) {
          for (const [type, body] of hostileBodies(op.fields))
            variants.push({ path: paths[0], type, body });
        }
        for (const v of variants) {
          const before = await written();
          let r = request(http)[op.method](v.path);
          r = authenticate(r);
          if (v.body !== undefined) {
            r = r
              .set('Content-Type', v.type!)
              .serialize((b: unknown) => b as string)
              .send(v.body as string);
          }
          const res = await r;
          sent += 1;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const what = `${op.method.toUpperCase()} ${v.path.slice(0, 80)} as ${who}${v.body !== undefined ? ` with ${v.type} ${String(v.body).slice(0, 40)}` : ''}`;
          if (res.status >= 500)
            failures.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          // Every answer is one the document lists for this operation, an error with its body.
          if (!op.documented.has(res.status))
            undocumented.add(`${op.method.toUpperCase()} ${op.path} ${res.status}`);
          const error = (
            res.body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } }
          )?.error;
          if (
            res.status >= 400 &&
            (typeof error?.code !== 'string' ||
              typeof error.message !== 'string' ||
              error.requestId !== res.headers['x-request-id'])
          )
            failures.push(
              `${what}: ${res.status} without the error body ${JSON.stringify(res.body).slice(0, 120)}`,
            );
          if (res.status >= 400 && (await written()) !== before)
            failures.push(`${what}: refused (${res.status}) but wrote rows`);
        }
      }
    }
    process.stdout.write(
      `fuzz: ${sent} requests; statuses ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(', ')}\n`,
    );
    expect(failures).toEqual([]);
    expect([...undocumented].sort()).toEqual([]);
    expect(sent).toBeGreaterThan(2000);
  }, 600_000);
});
