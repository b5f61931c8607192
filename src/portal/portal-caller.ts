import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { UserPrincipal } from 'src/access/principal';
import { csrfTokenFor, readCookie, SESSION_COOKIE } from 'src/auth/session-tokens';

/** The signed-in person of a portal page, and the CSRF token its forms must carry. */
export interface PortalCaller {
  principal: UserPrincipal;
  csrf: string;
}

/** The person behind a portal request (the access guard has authenticated the session). */
export const Caller = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): PortalCaller => {
    const req = ctx.switchToHttp().getRequest<Request>();
    const token = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (token === undefined || (req.user as UserPrincipal | undefined)?.kind !== 'user') {
      // The access rules of portal routes admit people only, so this is a wiring mistake.
      throw new Error('a portal route was reached without a session');
    }
    return { principal: req.user as UserPrincipal, csrf: csrfTokenFor(token) };
  },
);

/** Who may open which part of the portal. */
export const PEOPLE = { roles: ['admin', 'compliance_officer', 'auditor'] } as const;
export const EDITORS = { roles: ['admin', 'compliance_officer'] } as const;
export const ADMINS = { roles: ['admin'] } as const;
