import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from 'src/common/domain-error';
import { DomainErrorFilter } from 'src/common/domain-error.filter';
import { UserPrincipal } from 'src/access/principal';
import { csrfTokenFor, readCookie, SESSION_COOKIE } from 'src/auth/session-tokens';
import { frameFor, PageFrame, PortalViews } from 'src/portal/portal-views';

/** Where a page sends someone who is not (or no longer) signed in, with the reason. */
export function signInPath(reason: string, next?: string): string {
  const query = new URLSearchParams({ reason });
  if (next !== undefined && isLocalPath(next)) query.set('next', next);
  return `/sign-in?${query.toString()}`;
}

/** A path on this site: one slash, no scheme or host, so `next` cannot send anyone away. */
export function isLocalPath(path: string): boolean {
  return /^\/(?![/\\])[^\s]*$/.test(path);
}

/**
 * Failures on portal pages become pages, not JSON: no session or an ended one goes to sign-in
 * (and back afterwards), a first sign-in to the password page, an auditor whose grant ended is
 * signed out with a page saying why; anything else is an error page with the API's status and
 * message, the request id, and a way back.
 */
@Catch()
export class PortalErrorFilter implements ExceptionFilter {
  private readonly api = new DomainErrorFilter();

  constructor(private readonly views: PortalViews) {}

  /** The signed-in person's frame (navigation, sign-out), or the anonymous one. */
  private frame(req: Request, title: string): PageFrame {
    const user = req.user as UserPrincipal | undefined;
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (user?.kind === 'user' && token !== undefined) {
      return frameFor(user, csrfTokenFor(token), title, 'none');
    }
    return { title, section: 'none', person: null, csrf: null };
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request & { id?: string }>();
    const res = http.getResponse<Response>();
    if (res.headersSent) return;
    res.setHeader('Cache-Control', 'no-store');
    if (exception instanceof DomainError) {
      const next = req.method === 'GET' ? req.originalUrl : undefined;
      if (exception.code === 'authentication_required') {
        return res.redirect(303, signInPath('sign-in', next));
      }
      if (exception.code === 'session_ended') {
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return res.redirect(303, signInPath('session-ended', next));
      }
      if (exception.code === 'auditor_access_expired') {
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return res.redirect(303, '/signed-out?reason=grant-expired');
      }
      if (exception.code === 'password_change_required') {
        return res.redirect(303, '/account/password?reason=first-sign-in');
      }
    }
    const { status, body } = this.api.toResponse(exception);
    const requestId = req.id !== undefined ? String(req.id) : undefined;
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('error', this.frame(req, `Error ${status}`), {
          status,
          code: body.error.code,
          message: body.error.message,
          fields: body.error.fields ?? [],
          requestId,
          errorId: body.error.errorId,
          back: sameSiteReferer(req) ?? '/',
        }),
      );
  }
}

/** The page the person came from, when it is on this site: the error page links back to it. */
function sameSiteReferer(req: Request): string | undefined {
  const referer = req.get('referer');
  if (!referer) return undefined;
  try {
    const url = new URL(referer);
    const path = `${url.pathname}${url.search}`;
    return url.host === req.get('host') && isLocalPath(path) ? path : undefined;
  } catch {
    return undefined;
  }
}
