import { AccessRule } from 'src/access/access';
import { authorize } from 'src/access/authorize';
import { ApplicationPrincipal, UserPrincipal } from 'src/access/principal';

const now = new Date('2026-11-24T12:00:00Z');
const user = (over: Partial<UserPrincipal> = {}): UserPrincipal => ({
  kind: 'user',
  tenantId: 't',
  userId: 'u',
  email: 'a@b.example',
  role: 'admin',
  sessionId: 's',
  passwordMustChange: false,
  auditorAccessUntil: null,
  ...over,
});
const app = (scopes: ApplicationPrincipal['scopes']): ApplicationPrincipal => ({
  kind: 'application',
  tenantId: 't',
  applicationId: 'a',
  keyId: 'k',
  keyPrefix: 'p',
  scopes,
});
const code = (rule: AccessRule, p: UserPrincipal | ApplicationPrincipal): string | undefined => {
  try {
    authorize(rule, p, now);
    return undefined;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('authorize', () => {
  it('admits the listed roles only', () => {
    const rule: AccessRule = { roles: ['admin', 'compliance_officer'] };
    expect(code(rule, user())).toBeUndefined();
    expect(code(rule, user({ role: 'compliance_officer' }))).toBeUndefined();
    expect(code(rule, user({ role: 'auditor', auditorAccessUntil: new Date('2027-01-01') }))).toBe(
      'role_not_allowed',
    );
  });

  it('admits an auditor only while a grant is current, to the millisecond', () => {
    const rule: AccessRule = { roles: ['auditor'] };
    expect(
      code(rule, user({ role: 'auditor', auditorAccessUntil: new Date(now.getTime() + 1) })),
    ).toBeUndefined();
    expect(code(rule, user({ role: 'auditor', auditorAccessUntil: now }))).toBe(
      'auditor_access_expired',
    );
    expect(code(rule, user({ role: 'auditor', auditorAccessUntil: null }))).toBe(
      'auditor_access_expired',
    );
  });

  it('holds a person who must change their password to the routes that allow it', () => {
    expect(code({ roles: ['admin'] }, user({ passwordMustChange: true }))).toBe(
      'password_change_required',
    );
    expect(
      code({ roles: ['admin'], selfService: true }, user({ passwordMustChange: true })),
    ).toBeUndefined();
  });

  it('admits keys by scope, and keeps them off people-only routes', () => {
    expect(code({ scope: 'records:read' }, app(['records:read']))).toBeUndefined();
    expect(code({ scope: 'records:read' }, app(['generate']))).toBe('scope_required');
    expect(code({ roles: ['admin'] }, app(['generate', 'records:read', 'reports']))).toBe(
      'people_only',
    );
    expect(code({ roles: ['admin'], scope: 'any' }, app(['reports']))).toBeUndefined();
    expect(code({ scope: 'generate' }, user())).toBe('role_not_allowed');
  });
});
