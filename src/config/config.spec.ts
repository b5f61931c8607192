import { ConfigValidationError, describeConfig, loadConfig } from 'src/config/config';
import { configTableMarkdown } from 'src/config/config-doc';
import { CONFIG_SCHEMA } from 'src/config/config.schema';

describe('loadConfig', () => {
  it('applies documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    // Loopback unless HOST says otherwise: a first start prints an all-scopes demo key.
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.RUN_WORKERS).toBe(true);
    expect(config.BODY_LIMIT).toBe(1024 * 1024);
    expect(config.DATA_DIR.endsWith('/data')).toBe(true);
  });

  it('takes the model package name and version as plain folder names only', () => {
    expect(loadConfig({}).MODEL_NAME).toBe('audit-lm-full');
    expect(loadConfig({ MODEL_VERSION: '2.0.1' }).MODEL_VERSION).toBe('2.0.1');
    expect(() => loadConfig({ MODEL_NAME: '../etc' })).toThrow(
      /MODEL_NAME: must be a plain folder name/,
    );
    expect(() => loadConfig({ MODEL_VERSION: 'a/b' })).toThrow(/MODEL_VERSION: must be a plain/);
  });

  it("bounds the report package limit by the evidence format's own", () => {
    expect(loadConfig({}).REPORT_PACKAGE_MAX_BYTES).toBe(2 * 1024 ** 3);
    expect(loadConfig({ REPORT_PACKAGE_MAX_BYTES: '1048576' }).REPORT_PACKAGE_MAX_BYTES).toBe(
      1024 ** 2,
    );
    expect(() => loadConfig({ REPORT_PACKAGE_MAX_BYTES: '2147483649' })).toThrow(
      /REPORT_PACKAGE_MAX_BYTES: must be between 1048576 \(1 MiB\) and 2147483648/,
    );
    expect(() => loadConfig({ REPORT_PACKAGE_MAX_BYTES: '1000' })).toThrow(/must be between/);
    expect(() => loadConfig({ REPORT_PACKAGE_MAX_BYTES: '1e9' })).toThrow(/whole number/);
  });

  it('names the variable and the problem for a bad port', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT: must be a whole number/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be between 0 and 65535/);
  });

  it('reports every bad variable at once', () => {
    let caught: unknown;
    try {
      loadConfig({
        PORT: '-1',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        RUN_WORKERS: 'maybe',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const problems = (caught as ConfigValidationError).problems;
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'RUN_WORKERS',
    ]);
  });

  it('treats an empty string as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('parses sizes and booleans', () => {
    const config = loadConfig({ BODY_LIMIT: '512kb', RUN_WORKERS: 'false' });
    expect(config.BODY_LIMIT).toBe(512 * 1024);
    expect(config.RUN_WORKERS).toBe(false);
  });
});

describe('describeConfig', () => {
  it('masks credentials in secret URLs but keeps where they point', () => {
    const described = describeConfig(
      loadConfig({
        DATABASE_URL: 'postgres://audit:s3cret-pass@db.internal:5432/audit?sslmode=require',
        REDIS_URL: 'redis://:redis-pass@cache:6379',
      }),
    );
    const text = JSON.stringify(described);
    expect(text).not.toContain('s3cret-pass');
    expect(text).not.toContain('redis-pass');
    expect(described.DATABASE_URL).toBe('postgres://***@db.internal:5432/audit');
    expect(described.PORT).toBe(3000);
  });
});

describe('configTableMarkdown', () => {
  it('documents every variable', () => {
    const table = configTableMarkdown();
    for (const name of Object.keys(CONFIG_SCHEMA)) expect(table).toContain(`\`${name}\``);
  });
});
