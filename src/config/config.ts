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
  if (values.OIDC_ISSUER !== undefined) {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL']) {
      if (values[name] === undefined) problems.push(`${name}: is required with OIDC_ISSUER`);
    }
    const issuer = new URL(values.OIDC_ISSUER as string);
    if (issuer.protocol === 'http:' && !isLoopback(issuer.hostname)) {
      problems.push('OIDC_ISSUER: must use https: (plain http only for a loopback provider)');
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

/** A host name of this machine's loopback interface. */
export function isLoopback(hostname: string): boolean {
  return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(hostname);
}
