// A real OpenID Connect provider for the sign-in tests: oidc-provider (the certified Node
// implementation), run as its own process because it is an ES module. One confidential client;
// accounts from the environment. Its login step stands in for a person at the provider: the
// interaction page signs in the account named by `?login=` (or refuses with `?deny=1`), and
// first-party consent is given without a screen.
//
//   PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI   the client and where it lives
//   ACCOUNTS   JSON: { "<sub>": { "email": "...", "email_verified": true }, ... }
//
// Prints `ready <issuer>` once it listens.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const port = Number(env('PORT'));
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(env('ACCOUNTS'));

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: [env('REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  findAccount: (_ctx, sub) =>
    accounts[sub] ? { accountId: sub, claims: () => ({ sub, ...accounts[sub] }) } : undefined,
  features: { devInteractions: { enabled: false } },
  // First-party: the client gets the scopes it asks for without a consent screen.
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email');
    await grant.save();
    return grant;
  },
  cookies: { keys: ['test cookie key, not a secret'] },
});

const callback = provider.callback();
const server = createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  if (!url.pathname.startsWith('/interaction/')) return callback(req, res);
  try {
    await provider.interactionDetails(req, res);
    const login = url.searchParams.get('login');
    if (url.searchParams.get('deny') === '1' || !login) {
      return await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'the person did not sign in',
      });
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } });
  } catch (error) {
    res.statusCode = 400;
    res.end(String(error));
  }
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${issuer}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
