import { AdminServices, Invocation, parseArgs, usage, UsageError } from 'src/cli/commands';
import { DomainError } from 'src/common/domain-error';

const NOW = new Date('2026-06-01T12:00:00Z');
const TENANT_ID = '0b6f1a52-8e0f-4d3c-9a57-1f2e3d4c5b6a';
const APP_ID = '9d3c2b1a-0f9e-4d8c-8b7a-6a5b4c3d2e1f';
const KEY = `iak_abcdefghijkl_${'x'.repeat(43)}`;

function run(argv: string[]): Extract<Invocation, { kind: 'run' }> {
  const parsed = parseArgs(argv, NOW);
  if (parsed.kind !== 'run') throw new Error(`expected a command, got ${parsed.kind}`);
  return parsed;
}

function usageError(argv: string[]): UsageError {
  try {
    parseArgs(argv, NOW);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

/** Services that record what they were asked, so a test can see the validated values. */
function fakeServices(slugs: Record<string, string> = { acme: TENANT_ID }) {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    <T>(method: string, result: T) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      return Promise.resolve(result);
    };
  const tenant = { id: TENANT_ID, slug: 'acme', name: 'Acme', isDemo: false, createdAt: '' };
  const user = {
    id: 'u1',
    email: 'a@acme.example',
    role: 'admin' as const,
    passwordMustChange: true,
    lockedUntil: null,
    disabledAt: null,
    createdAt: '',
  };
  const view = {
    id: 'k1',
    applicationId: APP_ID,
    prefix: 'iak_abcdefghijkl',
    scopes: ['generate' as const],
    status: 'active' as const,
    createdAt: '',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  };
  const key = { ...view, key: KEY };
  const grant = {
    id: 'g1',
    userId: 'u2',
    validFrom: '',
    validUntil: '',
    reason: null,
    status: 'active' as const,
    revokedAt: null,
  };
  const services: AdminServices = {
    tenants: {
      create: record('tenants.create', { tenant, admin: { user, oneTimePassword: 'pw-once' } }),
      get: record('tenants.get', tenant),
      findIdBySlug: (slug: string) => {
        calls.push({ method: 'tenants.findIdBySlug', args: [slug] });
        return Promise.resolve(slugs[slug] ?? null);
      },
    },
    users: {
      createUser: record('users.createUser', { user, oneTimePassword: 'pw-once' }),
      grantAuditor: record('users.grantAuditor', grant),
    },
    applications: {
      createApplication: record('applications.createApplication', {
        application: { id: APP_ID, name: 'app', createdAt: '', disabledAt: null },
        key,
      }),
      issueKey: record('applications.issueKey', key),
      revokeKey: record('applications.revokeKey', { ...view, status: 'revoked' as const }),
    },
  };
  const call = (method: string) => calls.find((c) => c.method === method)?.args;
  return { services, calls, call };
}

describe('parseArgs: commands', () => {
  it('tenant:create passes name, email and slug, and prints the password once', async () => {
    const fake = fakeServices();
    const parsed = run(['tenant:create', '--name', ' Acme ', '--admin-email=a@acme.example']);
    expect(parsed).toMatchObject({ command: 'tenant:create', json: false });
    const output = await parsed.run(fake.services);
    expect(fake.call('tenants.create')).toEqual([{ name: 'Acme', adminEmail: 'a@acme.example' }]);
    expect(output.json).toMatchObject({ tenant: { id: TENANT_ID }, oneTimePassword: 'pw-once' });
    expect(output.text).toContain('pw-once');
    expect(output.text).toMatch(/shown once/);
    expect(output.text).toMatch(/change it at first sign-in/);
  });

  it('tenant:create takes an explicit slug', async () => {
    const fake = fakeServices();
    await run(['tenant:create', '--name', 'Acme', '--admin-email', 'a@x.io', '--slug', 'ac']).run(
      fake.services,
    );
    expect(fake.call('tenants.create')).toEqual([
      { name: 'Acme', adminEmail: 'a@x.io', slug: 'ac' },
    ]);
  });

  it('user:create resolves a slug and passes the role, as the operator', async () => {
    const fake = fakeServices();
    const parsed = run([
      'user:create',
      '--tenant',
      'acme',
      '--email',
      'b@acme.example',
      '--role',
      'auditor',
      '--json',
    ]);
    expect(parsed.json).toBe(true);
    const output = await parsed.run(fake.services);
    expect(fake.call('tenants.findIdBySlug')).toEqual(['acme']);
    expect(fake.call('users.createUser')).toEqual([
      TENANT_ID,
      { email: 'b@acme.example', role: 'auditor' },
      { userId: null },
    ]);
    expect(output.json).toMatchObject({ oneTimePassword: 'pw-once' });
  });

  it('a tenant id is checked to exist rather than looked up by slug', async () => {
    const fake = fakeServices();
    await run(['user:create', '--tenant', TENANT_ID, '--email', 'b@x.io', '--role', 'admin']).run(
      fake.services,
    );
    expect(fake.call('tenants.get')).toEqual([TENANT_ID]);
    expect(fake.call('tenants.findIdBySlug')).toBeUndefined();
  });

  it('an unknown slug is a domain error naming the slug', async () => {
    const parsed = run(['user:create', '--tenant', 'nope', '--email', 'b@x.io', '--role', 'admin']);
    const failure = parsed.run(fakeServices().services);
    await expect(failure).rejects.toBeInstanceOf(DomainError);
    await expect(failure).rejects.toThrow('no tenant with slug nope');
  });

  it('app:create splits and de-duplicates scopes; a bare date means the end of that day', async () => {
    const fake = fakeServices();
    const output = await run([
      'app:create',
      '--tenant',
      'acme',
      '--name',
      'discharge',
      '--scopes',
      'generate, records:read,generate',
      '--expires',
      '2027-03-31',
    ]).run(fake.services);
    expect(fake.call('applications.createApplication')).toEqual([
      TENANT_ID,
      {
        name: 'discharge',
        scopes: ['generate', 'records:read'],
        expiresAt: '2027-03-31T23:59:59.999Z',
      },
      { userId: null },
    ]);
    expect(output.json).toMatchObject({ apiKey: KEY, application: { id: APP_ID } });
    expect(output.json.key).not.toHaveProperty('key');
    expect(output.text).toContain(KEY);
  });

  it('key:create takes the application id and a time with a zone', async () => {
    const fake = fakeServices();
    await run([
      'key:create',
      '--tenant',
      'acme',
      '--app',
      APP_ID.toUpperCase(),
      '--scopes',
      'reports',
      '--expires',
      '2027-01-01T10:00:00+01:00',
    ]).run(fake.services);
    expect(fake.call('applications.issueKey')).toEqual([
      TENANT_ID,
      APP_ID,
      { scopes: ['reports'], expiresAt: '2027-01-01T09:00:00.000Z' },
      { userId: null },
    ]);
  });

  it.each([['iak_abcdefghijkl'], ['abcdefghijkl'], [KEY], [APP_ID]])(
    'key:revoke accepts %s',
    async (key) => {
      const fake = fakeServices();
      const output = await run(['key:revoke', '--tenant', 'acme', '--key', key]).run(fake.services);
      expect(fake.call('applications.revokeKey')).toEqual([TENANT_ID, key, { userId: null }]);
      expect(output.json).toMatchObject({ key: { status: 'revoked' } });
    },
  );

  it('auditor:grant passes email, date and reason', async () => {
    const fake = fakeServices();
    await run([
      'auditor:grant',
      '--tenant',
      'acme',
      '--email',
      'aud@firm.example',
      '--until',
      '2026-12-31T17:00:00Z',
      '--reason',
      'FY2026 audit',
    ]).run(fake.services);
    expect(fake.call('users.grantAuditor')).toEqual([
      TENANT_ID,
      { email: 'aud@firm.example', validUntil: '2026-12-31T17:00:00.000Z', reason: 'FY2026 audit' },
      { userId: null },
    ]);
  });

  it.each([[[]], [['help']], [['--help']], [['-h']]])('%j is help', (argv) => {
    expect(parseArgs(argv, NOW)).toEqual({ kind: 'help', json: false });
  });

  it('help for one command', () => {
    expect(parseArgs(['help', 'key:revoke'], NOW)).toMatchObject({ command: 'key:revoke' });
    expect(parseArgs(['user:create', '--help'], NOW)).toMatchObject({
      kind: 'help',
      command: 'user:create',
    });
  });

  it('the usage text lists every command and flag', () => {
    const text = usage();
    for (const word of [
      'tenant:create',
      'user:create',
      'app:create',
      'key:create',
      'key:revoke',
      'auditor:grant',
      '--admin-email',
      '--slug',
      '--role',
      '--scopes',
      '--expires',
      '--until',
      '--reason',
      '--json',
    ]) {
      expect(text).toContain(word);
    }
  });
});

describe('parseArgs: errors name the problem', () => {
  const user = ['user:create', '--tenant', 'acme', '--email', 'b@x.io'];
  const app = ['app:create', '--tenant', 'acme', '--name', 'a'];

  it.each<[string, string[], RegExp]>([
    ['unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['a flag before the command', ['--json', 'tenant:create'], /expected a command/],
    ['an unknown flag', [...user, '--role', 'admin', '--colour', 'red'], /unknown flag --colour/],
    ['missing flags, all named', ['user:create', '--tenant', 'acme'], /missing --email, --role/],
    ['a flag without its value', [...user, '--role'], /--role needs a value/],
    ['a flag followed by a flag', [...user, '--role', '--json'], /--role needs a value/],
    [
      'a flag given twice',
      [...user, '--email', 'c@x.io', '--role', 'admin'],
      /--email is given more than once/,
    ],
    ['a positional argument', [...user, 'admin'], /unexpected argument "admin"/],
    ['a bad role', [...user, '--role', 'root'], /--role: "root" is not a role/],
    [
      'a bad email',
      ['user:create', '--tenant', 'acme', '--email', 'b', '--role', 'admin'],
      /--email/,
    ],
    [
      'an empty name',
      ['app:create', '--tenant', 'acme', '--name=', '--scopes', 'generate'],
      /--name must not be empty/,
    ],
    ['a bad scope', [...app, '--scopes', 'generate,admin'], /--scopes: "admin" is not a scope/],
    ['no scopes', [...app, '--scopes', ' , '], /--scopes: give at least one/],
    [
      'an unparsable date',
      [...app, '--scopes', 'generate', '--expires', 'next week'],
      /--expires: "next week" is not a date/,
    ],
    [
      'an impossible date',
      [...app, '--scopes', 'generate', '--expires', '2027-02-30'],
      /--expires: .* is not a date/,
    ],
    [
      'a time without a zone',
      [...app, '--scopes', 'generate', '--expires', '2027-01-01T10:00'],
      /--expires: .* no time zone/,
    ],
    [
      'a date in the past',
      [...app, '--scopes', 'generate', '--expires', '2026-05-31'],
      /--expires: .* not in the future/,
    ],
    [
      'a bad tenant',
      ['key:revoke', '--tenant', 'Not A Slug', '--key', 'abcdefghijkl'],
      /--tenant: .* neither a tenant id/,
    ],
    [
      'a bad application id',
      ['key:create', '--tenant', 'acme', '--app', 'app-1', '--scopes', 'generate'],
      /--app: "app-1" is not an id/,
    ],
    ['a bad key', ['key:revoke', '--tenant', 'acme', '--key', 'iak_short'], /--key: not a key id/],
    [
      'a bad slug',
      ['tenant:create', '--name', 'A', '--admin-email', 'a@x.io', '--slug', 'No!'],
      /--slug: "No!" is not a slug/,
    ],
    [
      'a name with no slug in it',
      ['tenant:create', '--name', '!!', '--admin-email', 'a@x.io'],
      /--name: no usable slug/,
    ],
    ['a value on --json', [...user, '--role', 'admin', '--json=yes'], /--json takes no value/],
  ])('%s', (_case, argv, message) => {
    const error = usageError(argv);
    expect(error.message).toMatch(message);
  });

  it('errors after the command name carry it, for the usage hint', () => {
    expect(usageError([...user, '--role', 'root']).command).toBe('user:create');
    expect(usageError(['frobnicate']).command).toBeUndefined();
  });

  it('never echoes a mistyped key, which may be a real secret', () => {
    const almostKey = `iak_abcdefghijkl_${'y'.repeat(40)}`;
    expect(
      usageError(['key:revoke', '--tenant', 'acme', '--key', almostKey]).message,
    ).not.toContain('yyyy');
  });
});

describe('generate (a model command: no database)', () => {
  it('passes the validated prompt, decoding and steering to the model', async () => {
    const parsed = parseArgs(
      [
        'generate',
        '--prompt',
        ' The patient ',
        '--max-tokens',
        '12',
        '--temperature=0',
        '--seed',
        '7',
        '--suppress',
        'health.medication, finance.banking',
        '--amplify',
        'tone.positive',
      ],
      NOW,
    );
    if (parsed.kind !== 'model') throw new Error(`expected a model command, got ${parsed.kind}`);
    const seen: unknown[][] = [];
    const output = await parsed.run({
      generate: (prompt, options) => {
        seen.push([prompt, options]);
        return Promise.resolve({
          model: { name: 'm', version: '1', manifestSha256: 'a'.repeat(64), files: {} },
          prompt,
          promptTokens: ['The', ' patient'],
          text: ' was well.',
          decoding: { maxTokens: 12, temperature: 0, topP: 0.95, seed: 7, stoppedBy: 'max_tokens' },
          steering: [],
          tokens: [],
          chunks: [],
        });
      },
    });
    expect(seen).toEqual([
      [
        'The patient',
        {
          maxTokens: 12,
          temperature: 0,
          seed: 7,
          steering: [
            { concept: 'health.medication', mode: 'suppress' },
            { concept: 'finance.banking', mode: 'suppress' },
            { concept: 'tone.positive', mode: 'amplify' },
          ],
        },
      ],
    ]);
    expect(output.text).toContain('The patient[ was well.]');
    expect(output.json).toMatchObject({ text: ' was well.' });
  });

  it('names a flag that is not a number or an empty concept list', () => {
    expect(usageError(['generate', '--prompt', 'x', '--seed', 'abc']).message).toBe(
      '--seed: "abc" is not a number',
    );
    expect(usageError(['generate', '--prompt', 'x', '--suppress', ' , ']).message).toBe(
      '--suppress: give at least one concept key',
    );
    expect(usageError(['generate']).message).toBe('missing --prompt');
  });
});
