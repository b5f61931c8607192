// The README's quick start through a client generated from the served OpenAPI document:
// openapi-typescript writes ./api.ts from /docs-json, openapi-fetch makes the calls, and
// `tsc --strict` must accept this program against those types before it runs
// (test/e2e/typed-client.e2e-spec.ts). It prints what it received, as JSON, for the test to check.
import createClient from 'openapi-fetch';
import type { components, paths } from './api';

type RecordBody = components['schemas']['RecordBody'];

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** The data of a successful answer; anything else stops the program, naming the call. */
function ok<T>(call: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${call}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

async function main(): Promise<void> {
  const baseUrl = need('BASE_URL');
  const client = createClient<paths>({ baseUrl });

  // A person: the demo admin signs in with the one-time password, then chooses their own.
  const signIn = await client.POST('/v1/auth/sign-in', {
    body: {
      organisation: 'demo',
      email: 'admin@demo.example',
      password: need('ONE_TIME_PASSWORD'),
    },
  });
  const signedIn = ok('sign-in', signIn);
  const cookie = (signIn.response.headers.get('set-cookie') ?? '').split(';')[0];
  const csrfToken: string = signedIn.csrfToken;
  const mustChange: boolean = signedIn.passwordChangeRequired;
  const changed = await client.POST('/v1/auth/password', {
    headers: { Cookie: cookie, 'x-csrf-token': csrfToken },
    body: { currentPassword: need('ONE_TIME_PASSWORD'), newPassword: need('NEW_PASSWORD') },
  });
  if (changed.response.status !== 204) throw new Error(`password: ${changed.response.status}`);
  const session = ok(
    'session',
    await client.GET('/v1/auth/session', { headers: { Cookie: cookie } }),
  );
  if (session.kind !== 'user') throw new Error('the session is not a person’s');
  const role: 'admin' | 'compliance_officer' | 'auditor' = session.role;

  // An application: the demo key generates, then reads the record, its proof and the checkpoint.
  const app = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${need('API_KEY')}` },
  });
  const generation = ok(
    'generation',
    await app.POST('/v1/generations', {
      params: { header: { 'idempotency-key': 'typed-client-quick-start' } },
      body: { prompt: 'The patient was given', maxTokens: 6, seed: 1 },
    }),
  );
  const recordId: string = generation.recordId;
  const outcome: 'pass' | 'flag' | 'block' = generation.policy.outcome;
  // @ts-expect-error: the generated types know every member, so an unknown one does not compile.
  void generation.recordID;

  const record = ok(
    'record',
    await app.GET('/v1/records/{recordId}', { params: { path: { recordId } } }),
  );
  const body: RecordBody = record.entry.body;
  const chunks: number = body.chunks.length;
  const proof = ok(
    'inclusion proof',
    await app.GET('/v1/log/entries/{id}/inclusion-proof', { params: { path: { id: recordId } } }),
  );
  const checkpoint = ok('checkpoint', await app.GET('/v1/log/checkpoint'));
  const jwks = ok('keys', await client.GET('/.well-known/jwks.json'));

  process.stdout.write(
    JSON.stringify({
      signedIn: { role, mustChange, sessionKind: session.kind },
      generation: { recordId, text: generation.text, outcome, replayed: generation.replayed },
      record: { entry: record.entry, chunks, textShown: record.text !== null },
      proof,
      checkpoint,
      jwks,
    }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
