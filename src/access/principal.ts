import { Scope } from 'src/access/scopes';
import { Role } from 'src/access/roles';

/** A person signed in to the portal (session cookie). */
export interface UserPrincipal {
  kind: 'user';
  tenantId: string;
  userId: string;
  email: string;
  role: Role;
  sessionId: string;
  passwordMustChange: boolean;
  /** For auditors: when their access ends (the latest unrevoked grant). */
  auditorAccessUntil: Date | null;
}

/** An enterprise application (API key). */
export interface ApplicationPrincipal {
  kind: 'application';
  tenantId: string;
  applicationId: string;
  keyId: string;
  keyPrefix: string;
  scopes: Scope[];
}

export type Principal = UserPrincipal | ApplicationPrincipal;

/** Who did an administrative act, for the auth event trail. */
export interface Actor {
  /** The admin acting, or null for the CLI (the platform operator). */
  userId: string | null;
  ip?: string | null;
}

export function actorOf(principal: Principal, ip: string | undefined): Actor {
  return { userId: principal.kind === 'user' ? principal.userId : null, ip: ip ?? null };
}
