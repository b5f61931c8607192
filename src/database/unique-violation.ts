import { QueryFailedError } from 'typeorm';

/**
 * Whether `error` is PostgreSQL's unique_violation on `constraint`. Repositories turn it into a
 * domain conflict: a check-then-insert can race, and the constraint is what finally decides.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === constraint;
}
