import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * The project's root folder (the one holding package.json), found from this file: the templates
 * are read from there, so the service finds them whatever folder it was started from, from
 * src/ under jest as from dist/src/ in production.
 */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  root = dir;
  return dir;
}

/** A file under templates/. */
export function templatePath(...parts: string[]): string {
  return join(projectRoot(), 'templates', ...parts);
}

/** The service's version, from package.json. */
export function serviceVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
