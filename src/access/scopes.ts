/**
 * What an application's API key may do. Keys carry the fewest scopes their application needs:
 * - `generate`: ask this service to generate under policy (and record it);
 * - `records:submit`: submit a generation made by the application's own model server;
 * - `records:read`: read its tenant's records;
 * - `reports`: request reports and evidence packages.
 */
export const SCOPES = ['generate', 'records:submit', 'records:read', 'reports'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
