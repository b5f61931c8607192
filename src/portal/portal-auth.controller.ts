import { Body, Controller, Get, Ip, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Access, CurrentPrincipal, Public } from 'src/access/access';
import { UserPrincipal } from 'src/access/principal';
import { ROLES } from 'src/access/roles';
import { AuthService } from 'src/auth/auth.service';
import { OidcSignInService } from 'src/auth/oidc-sign-in.service';
import { readCookie, SESSION_COOKIE, sessionCookieOptions } from 'src/auth/session-tokens';
import { DomainError } from 'src/common/domain-error';
import { Caller, PortalCaller } from 'src/portal/portal-caller';
import { isLocalPath, PortalErrorFilter } from 'src/portal/portal-error.filter';
import { frameFor, PageFrame, PortalViews } from 'src/portal/portal-views';

/** Holds the sign-in form's token before there is a session (login CSRF, double submit). */
const SIGN_IN_COOKIE = 'audit_sign_in';
const SELF_SERVICE = { roles: ROLES, selfService: true } as const;

const SIGN_IN_REASONS: Record<string, string> = {
  'session-ended': 'Your session ended. Sign in again to continue.',
  'signed-out': 'You are signed out.',
  'password-changed': 'Your password is changed. Sign in with the new one.',
};

/** Why a sign-in through the identity provider failed, by error code (never text from the URL). */
const OIDC_FAILURES: Record<string, string> = {
  identity_not_linked:
    'Your identity provider signed you in, but this organisation has no user it could match: the provider must vouch for the e-mail of a user here (an admin adds you), or the account is disabled. Try again with the right organisation, or ask an admin.',
  oidc_sign_in_failed:
    'The sign-in at your identity provider did not complete or could not be checked. Try again.',
  oidc_sign_in_expired: 'That sign-in took too long or was started in another browser. Try again.',
  auditor_access_expired:
    'Your auditor access has no current grant; ask an admin of this organisation for one.',
  rate_limited: 'Too many sign-in attempts from here. Wait a minute, then try again.',
};

const SIGNED_OUT_REASONS: Record<string, string> = {
  'grant-expired':
    'Your auditor access has ended: the grant an admin of this organisation gave you has expired or was revoked. You were signed out. Ask the organisation for a new grant if your audit continues.',
};

type Form = Record<string, unknown>;
const field = (body: Form | undefined, name: string): string =>
  typeof body?.[name] === 'string' ? body[name] : '';

/** Signing in and out, and the one-time password's replacement, as pages. */
@ApiExcludeController()
@Controller()
@UseFilters(PortalErrorFilter)
export class PortalAuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly oidc: OidcSignInService,
    private readonly views: PortalViews,
  ) {}

  @Get('sign-in')
  @Public()
  signInPage(
    @Query('reason') reason: string | undefined,
    @Query('next') next: string | undefined,
    @Query('failed') failed: string | undefined,
    @Res() res: Response,
  ) {
    const notice = reason && SIGN_IN_REASONS[reason];
    const failure = failed && OIDC_FAILURES[failed];
    this.sendSignIn(res, failure ? 401 : 200, {
      next: next && isLocalPath(next) ? next : '/',
      notice: failure
        ? { kind: 'error', text: failure }
        : notice
          ? { kind: 'info', text: notice }
          : undefined,
    });
  }

  @Post('sign-in')
  @Public()
  async signIn(@Body() body: Form, @Ip() ip: string, @Req() req: Request, @Res() res: Response) {
    const next = isLocalPath(field(body, 'next')) ? field(body, 'next') : '/';
    const expected = readCookie(req.headers.cookie, SIGN_IN_COOKIE);
    const given = field(body, '_csrf');
    if (!expected || !sameText(expected, given)) {
      return this.sendSignIn(res, 403, {
        next,
        notice: {
          kind: 'error',
          text: 'This sign-in form has expired or did not come from this site. Please try again.',
        },
      });
    }
    try {
      const signedIn = await this.auth.signIn(
        {
          organisation: field(body, 'organisation'),
          email: field(body, 'email'),
          password: field(body, 'password'),
        },
        ip,
      );
      res.clearCookie(SIGN_IN_COOKIE, { path: '/sign-in' });
      res.cookie(
        SESSION_COOKIE,
        signedIn.sessionToken,
        sessionCookieOptions(req.secure, signedIn.expiresAt),
      );
      res.redirect(
        303,
        signedIn.principal.passwordMustChange ? '/account/password?reason=first-sign-in' : next,
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.category === 'internal') throw error;
      const status =
        error.code === 'rate_limited' ? 429 : error.category === 'forbidden' ? 403 : 401;
      this.sendSignIn(res, status, {
        next,
        organisation: field(body, 'organisation'),
        email: field(body, 'email'),
        notice: { kind: 'error', text: sentence(error.message) },
      });
    }
  }

  @Post('sign-out')
  @Access(SELF_SERVICE)
  async signOut(@CurrentPrincipal() p: UserPrincipal, @Ip() ip: string, @Res() res: Response) {
    await this.auth.signOut(p, ip);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.redirect(303, '/sign-in?reason=signed-out');
  }

  @Get('signed-out')
  @Public()
  signedOut(@Query('reason') reason: string | undefined, @Res() res: Response) {
    const text = (reason && SIGNED_OUT_REASONS[reason]) ?? 'You are signed out.';
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        this.views.render('signed-out', this.anonymous('Signed out'), {
          text,
        }),
      );
  }

  @Get('account/password')
  @Access(SELF_SERVICE)
  passwordPage(
    @Caller() c: PortalCaller,
    @Query('reason') reason: string | undefined,
    @Res() res: Response,
  ) {
    const first = reason === 'first-sign-in' || c.principal.passwordMustChange;
    this.sendPassword(
      res,
      200,
      c,
      first
        ? {
            kind: 'info',
            text: 'Choose your own password before you go on: the one you were given works only once.',
          }
        : undefined,
    );
  }

  @Post('account/password')
  @Access(SELF_SERVICE)
  async changePassword(
    @Caller() c: PortalCaller,
    @Body() body: Form,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    const next = field(body, 'newPassword');
    if (next !== field(body, 'confirmPassword')) {
      return this.sendPassword(res, 422, c, {
        kind: 'error',
        text: 'The new password and its confirmation differ.',
      });
    }
    try {
      await this.auth.changePassword(c.principal, field(body, 'currentPassword'), next, ip);
    } catch (error) {
      if (!(error instanceof DomainError) || error.category === 'internal') throw error;
      return this.sendPassword(res, error.code === 'rate_limited' ? 429 : 422, c, {
        kind: 'error',
        text: sentence(error.message),
      });
    }
    res.redirect(303, '/?notice=password-changed');
  }

  private sendSignIn(
    res: Response,
    status: number,
    data: { next: string; organisation?: string; email?: string; notice?: PageFrame['notice'] },
  ) {
    const token = randomBytes(24).toString('base64url');
    res.cookie(SIGN_IN_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/sign-in' });
    const frame = { ...this.anonymous('Sign in'), notice: data.notice };
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        this.views.render('sign-in', frame, {
          token,
          next: data.next,
          organisation: data.organisation ?? '',
          email: data.email ?? '',
          provider: this.oidc.providerName,
        }),
      );
  }

  private sendPassword(
    res: Response,
    status: number,
    c: PortalCaller,
    notice?: PageFrame['notice'],
  ) {
    const frame = { ...frameFor(c.principal, c.csrf, 'Change your password', 'account'), notice };
    res
      .status(status)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(this.views.render('password', frame, { mustChange: c.principal.passwordMustChange }));
  }

  private anonymous(title: string): PageFrame {
    return { title, section: 'none', person: null, csrf: null };
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** An API message as a sentence on a page. */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
