export const AUTH_EVENT_TYPES = [
  'tenant.created',
  'sign_in.succeeded',
  'sign_in.failed',
  'sign_in.locked_out',
  'sign_out',
  'password.changed',
  'user.created',
  'user.disabled',
  'application.created',
  'api_key.created',
  'api_key.revoked',
  'auditor_grant.created',
  'auditor_grant.revoked',
  'identity.linked',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];
