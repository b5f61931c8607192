import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { ACCESS_RULE, AccessRule } from 'src/access/access';
import { AuthenticationRequiredError } from 'src/auth/auth.errors';
import { authorize } from 'src/access/authorize';
import { Principal } from 'src/access/principal';

/**
 * The one global guard: public routes pass; every other request must authenticate (API key
 * first, then session cookie, through passport) and then satisfy the route's access rule.
 */
@Injectable()
export class AccessGuard extends AuthGuard(['api-key', 'session']) {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    // AccessRulesCheck refuses to start with such a route; this is the belt to its braces.
    if (!rule)
      throw new Error(`no access rule on ${context.getClass().name}.${context.getHandler().name}`);
    if (rule.public) return true;
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<Request>();
    authorize(rule, request.user as Principal, new Date());
    return true;
  }

  override handleRequest<TUser = Principal>(error: unknown, user: TUser | false): TUser {
    // Passport hands back whatever the strategy threw: our DomainErrors, for the global filter.
    if (error) throw error as Error;
    if (!user) throw new AuthenticationRequiredError();
    return user;
  }
}
