import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PackageManifestFields } from 'src/reports/evidence-package/package-files';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';

/** Where the README template lives, relative to the project root (the folder of package.json). */
export const README_TEMPLATE = 'templates/evidence-package/README.md';

/**
 * The default template path: `templates/` sits at the project root, which is two folders further
 * up from the compiled dist/src/reports/evidence-package/ than from the sources, so look for it.
 */
export function defaultReadmeTemplatePath(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new EvidencePackageError('readme_template', 'no project root found');
    dir = parent;
  }
  return join(dir, README_TEMPLATE);
}

/** The values the README template may name as `{{name}}`. */
export function readmeValues(
  manifest: PackageManifestFields,
  signingKeyId: string,
): Record<string, string> {
  return {
    packageId: manifest.packageId,
    tenant: manifest.tenant,
    origin: manifest.origin,
    reportId: manifest.report.id,
    reportKind: manifest.report.kind,
    recordCount: String(manifest.report.recordCount),
    entryCount: String(manifest.report.entryCount),
    generatedAt: manifest.generatedAt,
    generatorName: manifest.generator.name,
    generatorVersion: manifest.generator.version,
    checkpointSize: String(manifest.checkpoint.size),
    checkpointRoot: manifest.checkpoint.rootHash,
    signingKeyId,
  };
}

const PLACEHOLDER = /\{\{([A-Za-z]+)\}\}/g;

/**
 * Fills `{{name}}` placeholders by plain replacement, no template engine: the README is shell
 * commands an auditor copies, so nothing may be escaped or reformatted. An unknown placeholder
 * is an error rather than left in the text, where it would break a command.
 */
export function renderReadme(template: string, values: Record<string, string>): Buffer {
  if (template.replace(PLACEHOLDER, '').includes('{{')) {
    throw new EvidencePackageError(
      'readme_template',
      'the template has a malformed {{ placeholder',
    );
  }
  const text = template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!Object.hasOwn(values, name)) {
      throw new EvidencePackageError('readme_template', `unknown placeholder {{${name}}}`);
    }
    return values[name];
  });
  return Buffer.from(text, 'utf8');
}

export function readTemplate(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new EvidencePackageError('readme_template', `cannot read ${path}: ${why}`);
  }
}
