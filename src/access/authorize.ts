import { AccessRule } from 'src/access/access';
import { ForbiddenError } from 'src/access/access.errors';
import { Principal } from 'src/access/principal';

/**
 * Decides whether an authenticated caller may use a route. Pure, so every branch is tested
 * directly (authorize.spec.ts) as well as through HTTP (the authorization matrix).
 */
export function authorize(rule: AccessRule, principal: Principal, now: Date): void {
  if (rule.public) return;
  if (principal.kind === 'application') {
    if (!rule.scope) {
      throw new ForbiddenError(
        'people_only',
        'this route is for people signed in to the portal, not API keys',
      );
    }
    if (rule.scope !== 'any' && !principal.scopes.includes(rule.scope)) {
      throw new ForbiddenError(
        'scope_required',
        `this route needs an API key with scope ${rule.scope}`,
      );
    }
    return;
  }
  if (principal.role === 'auditor' && !rule.selfService) {
    const until = principal.auditorAccessUntil;
    if (!until || until.getTime() <= now.getTime()) {
      throw new ForbiddenError(
        'auditor_access_expired',
        'your auditor access has no current grant; ask an admin of this organisation for one',
      );
    }
  }
  if (!rule.roles?.includes(principal.role)) {
    throw new ForbiddenError(
      'role_not_allowed',
      rule.roles?.length
        ? `this route needs one of the roles ${rule.roles.join(', ')}; you are ${principal.role}`
        : 'this route is for applications with an API key',
    );
  }
  if (principal.passwordMustChange && !rule.selfService) {
    throw new ForbiddenError(
      'password_change_required',
      'choose your own password first (POST /v1/auth/password)',
    );
  }
}
