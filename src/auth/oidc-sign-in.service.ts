import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import {
  IdentityNotLinkedError,
  OidcNotConfiguredError,
  OidcSignInExpiredError,
  OidcSignInFailedError,
} from 'src/auth/auth.errors';
import { AuthService, SignedIn } from 'src/auth/auth.service';
import { RateLimits } from 'src/auth/rate-limits';
import { AppConfig } from 'src/config/app-config';
import { isLoopback } from 'src/config/config';
import { TenantsService } from 'src/tenants/tenants.service';
import { UsersService } from 'src/users/users.service';

/** The cookie that carries one sign-in from the start to the provider's answer. */
export const OIDC_COOKIE = 'audit_oidc';
export const OIDC_CALLBACK_PATH = '/v1/auth/oidc/callback';
const FLOW_MS = 10 * 60_000;

/** What the browser keeps between the start and the callback (HttpOnly, SameSite=Lax). */
interface Flow {
  /** The organisation's slug, as typed. */
  o: string;
  state: string;
  nonce: string;
  /** PKCE code verifier: the provider's code is useless without it. */
  verifier: string;
  /** A path of this site to return to. */
  returnTo: string;
  startedAt: number;
}

/**
 * Sign-in through an OpenID Connect provider (OIDC_ISSUER), with openid-client: the
 * authorization code flow with PKCE (S256), state and nonce, the client authenticated with its
 * secret, and the ID token checked (signature against the provider's keys, issuer, audience,
 * expiry, nonce) before its claims are believed. The person is then mapped to a user of the
 * organisation they chose by (issuer, subject), linked on first use through the e-mail the
 * provider vouches for (UsersService.checkIdentitySignIn), and gets the same session as a
 * password sign-in.
 */
@Injectable()
export class OidcSignInService {
  private readonly logger = new Logger(OidcSignInService.name);
  private configuration?: Promise<oidc.Configuration>;

  constructor(
    private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly events: AuthEventsService,
    private readonly limits: RateLimits,
  ) {}

  get enabled(): boolean {
    return this.config.OIDC_ISSUER !== undefined;
  }

  /** The provider's host, for the sign-in button. */
  get providerName(): string | null {
    return this.config.OIDC_ISSUER ? new URL(this.config.OIDC_ISSUER).host : null;
  }

  /** The provider's authorization URL to send the browser to, and the flow cookie to set. */
  async start(
    organisation: string,
    returnTo: string | undefined,
    ip: string,
  ): Promise<{ url: string; cookie: string }> {
    this.limits.signInAttempt(ip);
    const configuration = await this.discovered();
    const flow: Flow = {
      o: organisation.trim().toLowerCase(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      returnTo: safeReturnPath(returnTo),
      startedAt: Date.now(),
    };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(),
      scope: 'openid email',
      response_type: 'code',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    return {
      url: url.href,
      cookie: Buffer.from(JSON.stringify(flow), 'utf8').toString('base64url'),
    };
  }

  /**
   * The provider's answer (the callback's path and query as received) with the flow cookie:
   * a session for the user the identity belongs to, and where to send the browser.
   */
  async finish(
    pathAndQuery: string,
    cookie: string | undefined,
    ip: string,
  ): Promise<SignedIn & { returnTo: string }> {
    const flow = readFlow(cookie);
    const configuration = await this.discovered();
    const issuer = configuration.serverMetadata().issuer;
    let claims: { sub: string; email?: unknown; email_verified?: unknown };
    try {
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(pathAndQuery, this.publicUrl()),
        { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce },
      );
      const idToken = tokens.claims();
      if (!idToken) throw new Error('no ID token');
      claims = idToken;
      // A provider may give scope claims at its UserInfo endpoint only (OIDC Core 5.4): ask it,
      // for the same subject, with the access token just issued.
      if (idToken.email === undefined && configuration.serverMetadata().userinfo_endpoint) {
        const info = await oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { sub: idToken.sub, email: info.email, email_verified: info.email_verified };
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await this.events.record(null, {
        type: 'sign_in.failed',
        ip,
        details: { method: 'oidc', issuer, organisation: flow.o, reason },
      });
      throw new OidcSignInFailedError(reason);
    }
    const identity = {
      issuer,
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email : undefined,
      emailVerified: claims.email_verified === true,
    };
    const tenantId = await this.tenants.findIdBySlug(flow.o);
    const check = tenantId
      ? await this.users.checkIdentitySignIn(tenantId, identity)
      : ({ ok: false, reason: 'unknown_organisation' } as const);
    if (!tenantId || !check.ok) {
      await this.events.record(tenantId ?? null, {
        type: 'sign_in.failed',
        subjectId: !check.ok && 'user' in check ? (check.user?.id ?? null) : null,
        ip,
        details: {
          method: 'oidc',
          issuer,
          subject: identity.subject,
          email: identity.email ?? null,
          organisation: flow.o,
          reason: check.ok ? 'unknown_organisation' : check.reason,
        },
      });
      throw new IdentityNotLinkedError(check.ok ? 'unknown_organisation' : check.reason);
    }
    if (check.linkedNow) {
      await this.events.record(tenantId, {
        type: 'identity.linked',
        actorUserId: check.user.id,
        subjectId: check.user.id,
        ip,
        details: { issuer, subject: identity.subject, email: check.user.email },
      });
    }
    const signedIn = await this.auth.openSession(tenantId, check.user, ip, {
      method: 'oidc',
      issuer,
      subject: identity.subject,
    });
    return { ...signedIn, returnTo: flow.returnTo };
  }

  /** Discovery once per process (retried after a failure), refusing what the config refuses. */
  private discovered(): Promise<oidc.Configuration> {
    const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: id, OIDC_CLIENT_SECRET: secret } = this.config;
    if (!issuer || !id || !secret) throw new OidcNotConfiguredError();
    const url = new URL(issuer);
    // Plain http only for a provider on this machine (config validation says the same).
    const insecure = url.protocol === 'http:' && isLoopback(url.hostname);
    this.configuration ??= oidc
      .discovery(url, id, { client_secret: secret }, oidc.ClientSecretBasic(secret), {
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.configuration = undefined;
        this.logger.error({ err: error, issuer }, 'OpenID Connect discovery failed');
        throw new OidcSignInFailedError(`the identity provider ${url.host} cannot be reached`);
      });
    return this.configuration;
  }

  private publicUrl(): string {
    const url = this.config.PUBLIC_URL;
    if (!url) throw new OidcNotConfiguredError();
    return url;
  }

  private redirectUri(): string {
    return new URL(OIDC_CALLBACK_PATH, this.publicUrl()).href;
  }
}

/**
 * Only a path of this site, in URL characters that need no escaping in HTML: anything else
 * (another origin, `//host`, a backslash, quotes, `&`) goes home.
 */
export function safeReturnPath(returnTo: string | undefined): string {
  if (!returnTo || !/^\/(?![/\\])[A-Za-z0-9\-._~!$()*+,;=:@%/?]*$/.test(returnTo)) return '/';
  return returnTo;
}

function readFlow(cookie: string | undefined): Flow {
  let flow: Partial<Flow> | undefined;
  try {
    flow = cookie
      ? (JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')) as Partial<Flow>)
      : undefined;
  } catch {
    flow = undefined;
  }
  const complete =
    flow &&
    typeof flow.o === 'string' &&
    typeof flow.state === 'string' &&
    typeof flow.nonce === 'string' &&
    typeof flow.verifier === 'string' &&
    typeof flow.returnTo === 'string' &&
    typeof flow.startedAt === 'number';
  if (!complete || Date.now() - (flow as Flow).startedAt > FLOW_MS) {
    throw new OidcSignInExpiredError();
  }
  return { ...(flow as Flow), returnTo: safeReturnPath((flow as Flow).returnTo) };
}
