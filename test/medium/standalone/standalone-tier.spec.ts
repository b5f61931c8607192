import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from 'src/reports/project-root';

// CI's production-path run (.ci/run) skips this folder: its files must use neither PostgreSQL
// nor the queue, or that path would go untested. These are the helpers that bring either in.
const SERVER_HELPERS = [
  'test-database',
  'test-app',
  'test-jobs',
  'factory',
  'log-stack',
  'records-fixtures',
  'proxied-database',
  'report-build-process',
];

describe('medium tests in test/medium/standalone/', () => {
  const folder = join(projectRoot(), 'test/medium/standalone');
  const files = readdirSync(folder).filter(
    (f) => f.endsWith('.spec.ts') && f !== 'standalone-tier.spec.ts',
  );

  it.each(files)('%s uses neither the database nor the queue', (file) => {
    const source = readFileSync(join(folder, file), 'utf8');
    const helpers = SERVER_HELPERS.filter((h) => source.includes(`test/support/${h}'`));
    const servers = [
      'TEST_DATABASE_URL',
      'TEST_REDIS_URL',
      'TEST_PG_ADMIN_URL',
      "from 'pg'",
      'bullmq',
    ].filter((s) => source.includes(s));
    expect({ helpers, servers }).toEqual({ helpers: [], servers: [] });
  });
});
