import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from 'src/common/validation';

export type FieldProblems = { field: string; problems: string[] }[];

/**
 * A form's or a query string's fields as a DTO, checked by the DTO's own rules (the API's), so
 * a page and the API refuse the same things. Empty fields are left out (an empty filter is no
 * filter) and `_csrf` is the session guard's, not the form's. Problems are returned, not thrown,
 * so the page can show them beside the form.
 */
export function readForm<T extends object>(
  dto: new () => T,
  raw: Record<string, unknown>,
): { value: T; problems: FieldProblems } {
  const fields = Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => k !== '_csrf' && v !== '' && v !== undefined),
  );
  const value = plainToInstance(dto, fields, { enableImplicitConversion: false });
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  return { value, problems: flattenValidationErrors(errors) };
}

/** A `YYYY-MM-DD` day as the instant it starts (UTC), or undefined for anything else. */
export function dayStart(day: unknown, plusDays = 0): string | undefined {
  if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const time = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(time)) return undefined;
  return new Date(time + plusDays * 86_400_000).toISOString();
}
