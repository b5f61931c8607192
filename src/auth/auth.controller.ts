import { Body, Controller, Get, HttpCode, Ip, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SCOPES } from 'src/access/scopes';
import { Access, CurrentPrincipal, Public } from 'src/access/access';
import {
  ApplicationSessionResponseDto,
  ChangePasswordDto,
  OidcStartDto,
  PersonResponseDto,
  PersonSessionResponseDto,
  SignedInResponseDto,
  SignInDto,
} from 'src/auth/auth.dto';
import { JsonBodyRequiredError } from 'src/auth/auth.errors';
import { OIDC_CALLBACK_PATH, OIDC_COOKIE, OidcSignInService } from 'src/auth/oidc-sign-in.service';
import { DomainError } from 'src/common/domain-error';
import { AuthService } from 'src/auth/auth.service';
import { Principal, UserPrincipal } from 'src/access/principal';
import {
  csrfTokenFor,
  readCookie,
  SESSION_COOKIE,
  sessionCookieOptions,
} from 'src/auth/session-tokens';
import { ROLES } from 'src/access/roles';

const EVERY_PERSON = { roles: ROLES, selfService: true } as const;

/** The session cookie a sign-in sets and a sign-out clears. */
const SESSION_COOKIE_HEADER = (description: string) => ({
  'Set-Cookie': { description, required: true, schema: { type: 'string' } },
});

@ApiTags('authentication')
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly oidc: OidcSignInService,
  ) {}

  @Get('oidc/start')
  @Public()
  @ApiOperation({
    summary:
      'Sign-in through the OpenID Connect provider (OIDC_ISSUER): redirects the browser there',
  })
  @ApiFoundResponse({
    description: 'Off to the provider: its authorization URL, with PKCE, state and nonce.',
    headers: {
      Location: {
        description: "The provider's authorization URL.",
        required: true,
        schema: { type: 'string' },
      },
      ...SESSION_COOKIE_HEADER('audit_oidc: this sign-in, HttpOnly, SameSite=Lax, 10 minutes.'),
    },
  })
  @ApiResponse({ status: 404, description: 'No identity provider is set up (OIDC_ISSUER).' })
  async oidcStart(
    @Query() query: OidcStartDto,
    @Ip() ip: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const { url, cookie } = await this.oidc.start(query.organisation, query.returnTo, ip);
    // Lax, not Strict: it must come back with the provider's top-level redirect.
    res.cookie(OIDC_COOKIE, cookie, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: OIDC_CALLBACK_PATH,
      maxAge: 10 * 60_000,
    });
    res.status(302).location(url).end();
  }

  @Get('oidc/callback')
  @Public()
  @ApiOperation({
    summary:
      "The provider's answer: on success a session cookie and a page that continues to the portal; on failure the sign-in page says why",
  })
  @ApiOkResponse({
    description: 'Signed in: a page that continues to the portal (a same-site navigation).',
    content: { 'text/html': { schema: { type: 'string' } } },
    headers: SESSION_COOKIE_HEADER('The session: HttpOnly, SameSite=Strict.'),
  })
  @ApiResponse({
    status: 303,
    description: 'Not signed in: to the sign-in page, which says why (`failed=<error code>`).',
    headers: {
      Location: {
        description: '/sign-in?failed=<code>',
        required: true,
        schema: { type: 'string' },
      },
    },
  })
  async oidcCallback(@Ip() ip: string, @Req() req: Request, @Res() res: Response) {
    res.clearCookie(OIDC_COOKIE, { path: OIDC_CALLBACK_PATH });
    let signedIn: Awaited<ReturnType<OidcSignInService['finish']>>;
    try {
      signedIn = await this.oidc.finish(
        req.originalUrl,
        readCookie(req.headers.cookie, OIDC_COOKIE),
        ip,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.category === 'internal') throw error;
      return res
        .status(303)
        .location(`/sign-in?failed=${encodeURIComponent(error.code)}`)
        .end();
    }
    res.cookie(
      SESSION_COOKIE,
      signedIn.sessionToken,
      sessionCookieOptions(req.secure, signedIn.expiresAt),
    );
    // A SameSite=Strict cookie set at the end of a redirect chain that began at another site is
    // not sent on that chain: the page's own navigation, same-site, carries it.
    res
      .status(200)
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title>` +
          `<meta http-equiv="refresh" content="0;url=${signedIn.returnTo}"></head>` +
          `<body><p>Signed in. <a href="${signedIn.returnTo}">Continue</a>.</p></body></html>`,
      );
  }

  @Post('sign-in')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Portal sign-in: sets an HttpOnly session cookie and returns the CSRF token',
  })
  @ApiOkResponse({
    type: SignedInResponseDto,
    headers: SESSION_COOKIE_HEADER(
      `${SESSION_COOKIE}=<session token>; Path=/; Expires=…; HttpOnly; SameSite=Strict (and Secure over TLS): send it back as the Cookie header.`,
    ),
  })
  async signIn(
    @Body() body: SignInDto,
    @Ip() ip: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SignedInResponseDto> {
    // A cross-site HTML form can post urlencoded bodies without a preflight; JSON it cannot.
    // Refusing anything else stops a page from signing a victim into the attacker's account.
    if (!req.is('application/json')) throw new JsonBodyRequiredError();
    const signedIn = await this.auth.signIn(body, ip);
    res.cookie(
      SESSION_COOKIE,
      signedIn.sessionToken,
      sessionCookieOptions(req.secure, signedIn.expiresAt),
    );
    return {
      ...describe(signedIn.principal),
      csrfToken: signedIn.csrfToken,
      expiresAt: signedIn.expiresAt.toISOString(),
    };
  }

  @Get('session')
  @Access({ ...EVERY_PERSON, scope: 'any' })
  @ApiOperation({
    summary: 'Who is calling: the person (with the CSRF token) or the application key',
  })
  @ApiExtraModels(PersonSessionResponseDto, ApplicationSessionResponseDto)
  @ApiOkResponse({
    description: 'The person (a session) or the application (an API key) calling.',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(PersonSessionResponseDto) },
        { $ref: getSchemaPath(ApplicationSessionResponseDto) },
      ],
    },
  })
  session(
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
  ): PersonSessionResponseDto | ApplicationSessionResponseDto {
    if (p.kind === 'application') {
      return {
        kind: p.kind,
        tenantId: p.tenantId,
        applicationId: p.applicationId,
        keyPrefix: `iak_${p.keyPrefix}`,
        scopes: p.scopes.filter((s) => (SCOPES as readonly string[]).includes(s)),
      };
    }
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    return { ...describe(p), csrfToken: token ? csrfTokenFor(token) : null };
  }

  @Post('sign-out')
  @Access(EVERY_PERSON)
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session' })
  @ApiNoContentResponse({
    description: 'The session is ended; its cookie is cleared.',
    headers: SESSION_COOKIE_HEADER(
      `${SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    ),
  })
  async signOut(
    @CurrentPrincipal() p: UserPrincipal,
    @Ip() ip: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.signOut(p, ip);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  @Post('password')
  @Access(EVERY_PERSON)
  @HttpCode(204)
  @ApiOperation({ summary: "Replace one's own password; other sessions end" })
  @ApiNoContentResponse({
    description: 'The new password is set; other sessions of the person end.',
  })
  async changePassword(
    @CurrentPrincipal() p: UserPrincipal,
    @Body() body: ChangePasswordDto,
    @Ip() ip: string,
  ): Promise<void> {
    await this.auth.changePassword(p, body.currentPassword, body.newPassword, ip);
  }
}

function describe(p: UserPrincipal): PersonResponseDto {
  return {
    kind: p.kind,
    tenantId: p.tenantId,
    userId: p.userId,
    email: p.email,
    role: p.role,
    passwordChangeRequired: p.passwordMustChange,
    auditorAccessUntil: p.auditorAccessUntil?.toISOString() ?? null,
  };
}
