/**
 * What the verifier reports: a list of named checks, each passed or failed with a reason, so
 * that an auditor sees everything that was checked and not only the first failure.
 */
export interface Check {
  /** A short stable name, e.g. `leaf hash` or `checkpoint signature`. */
  name: string;
  ok: boolean;
  /** What was found (for a pass) or why it failed. */
  detail: string;
}

export function pass(name: string, detail = ''): Check {
  return { name, ok: true, detail };
}

export function fail(name: string, detail: string): Check {
  return { name, ok: false, detail };
}

/** A check that could not run because something it needs failed first: a failure too. */
export function notChecked(name: string, because: string): Check {
  return fail(name, `not checked: ${because}`);
}

export function allPassed(checks: readonly Check[]): boolean {
  return checks.length > 0 && checks.every((c) => c.ok);
}

/** A plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isIndex(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
