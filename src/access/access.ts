import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { Scope } from 'src/access/scopes';
import { Principal } from 'src/access/principal';
import { Role } from 'src/access/roles';

export const ACCESS_RULE = 'audit:access-rule';

/**
 * Who may call a route. Every route carries exactly one rule (the access guard refuses to start
 * otherwise), so a forgotten decorator can never leave a route open.
 */
export type AccessRule =
  | { public: true }
  | {
      public?: false;
      /** People with one of these roles (through a portal session). */
      roles?: readonly Role[];
      /** Applications whose key holds this scope ('any': every valid key). */
      scope?: Scope | 'any';
      /**
       * A person's own-account routes (session, password, sign-out): also open to someone who
       * must change their password first, and to an auditor whose grant has ended.
       */
      selfService?: boolean;
    };

/**
 * The rule, and the credentials the OpenAPI document says the route takes: an API key (bearer)
 * when a scope admits applications, a portal session (cookie) when roles admit people.
 */
export const Access = (rule: AccessRule) => {
  const decorators: (ClassDecorator | MethodDecorator)[] = [SetMetadata(ACCESS_RULE, rule)];
  if (!rule.public) {
    if (rule.scope) decorators.push(ApiBearerAuth('bearer'));
    if (rule.roles?.length || rule.selfService) decorators.push(ApiCookieAuth('cookie'));
  }
  return applyDecorators(...decorators);
};
/** Anyone, signed in or not (health, sign-in). */
export const Public = () => Access({ public: true });

/** The authenticated caller, set by the access guard. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal =>
    ctx.switchToHttp().getRequest<Request>().user as Principal,
);
