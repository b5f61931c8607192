import { CONFIG_SCHEMA, ConfigKey, ConfigSchema, VariableSpec } from 'src/config/config.schema';

type ValueOf<S> = S extends VariableSpec<infer T> ? T : never;
type Defaulted<K extends ConfigKey> = ConfigSchema[K] extends { default: string } ? true : false;

/** The typed, validated configuration. Optional variables without a default are `undefined`. */
export type AppConfigValues = {
  readonly [K in ConfigKey]: Defaulted<K> extends true
    ? ValueOf<ConfigSchema[K]>
    : ValueOf<ConfigSchema[K]> | undefined;
};

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads and validates every variable of the schema at once, so that an operator sees all the
 * problems in one go rather than one per restart. An empty string counts as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfigValues {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(CONFIG_SCHEMA) as [
    ConfigKey,
    VariableSpec<unknown>,
  ][]) {
    const raw = env[name];
    const text = raw === undefined || raw === '' ? variable.default : raw;
    if (text === undefined) {
      values[name] = undefined;
      continue;
    }
    try {
      values[name] = variable.parse(text);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return values as AppConfigValues;
}

/** The effective configuration with secrets masked, fit for a start-up log line. */
export function describeConfig(config: AppConfigValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(CONFIG_SCHEMA) as [
    ConfigKey,
    VariableSpec<unknown>,
  ][]) {
    const value = config[name];
    out[name] = variable.sensitive && value !== undefined ? maskSecret(value) : value;
  }
  return out;
}

/** URLs keep scheme, host and path so the operator can see where they point; credentials go. */
function maskSecret(value: unknown): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.username || url.password) {
        url.username = '***';
        url.password = '';
      }
      url.search = '';
      return url.toString();
    } catch {
      return '***';
    }
  }
  return '***';
}
