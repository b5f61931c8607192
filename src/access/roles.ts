/**
 * What a person may do, per tenant:
 * - `admin` manages people, applications, keys and auditor grants;
 * - `compliance_officer` reads and reviews records and runs reports;
 * - `auditor` (external) reads records and reports, and only while an unexpired grant exists.
 */
export const ROLES = ['admin', 'compliance_officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
