import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { projectRoot } from 'src/reports/project-root';

// Every installed package says it runs on the Node.js we run and test on (npm ci prints no
// EBADENGINE warning), and our own `engines` admits it: nestjs-pino 5, @nestjs/cli 12 and the
// file-type that @nestjs/common 12 asks for wanted Node 22 while we ran 20.

interface Lock {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean }>;
}

describe('dependency engines', () => {
  const lock = JSON.parse(readFileSync(join(projectRoot(), 'package-lock.json'), 'utf8')) as Lock;
  const own = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    engines: { node: string };
  };

  it('admits the running Node.js in our own engines field', () => {
    expect(semver.satisfies(process.version, own.engines.node)).toBe(true);
  });

  it('has no package in the lock file that wants another Node.js', () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, p]) => {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return range && !semver.satisfies(process.version, range, { includePrerelease: true })
        ? [`${path} wants node ${range}`]
        : [];
    });
    expect(refusing).toEqual([]);
    // The check saw the lock file's engine ranges (hundreds of packages state one).
    expect(Object.values(lock.packages).filter((p) => p.engines).length).toBeGreaterThan(100);
  });
});
