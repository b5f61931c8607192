import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPackage,
  packageParts,
  rawZip,
} from 'src/reports/evidence-package/evidence-package.fixtures';
import { buildLog } from 'src/verifier/verifier.fixtures';
import { readZip } from 'src/verifier/zip';

/**
 * The README's "With standard tools only" recipe, run exactly as a package's README.md gives it
 * (every ```sh block of that section, in order, in bash with errexit and pipefail) on real
 * packages: it must pass on a genuine one and stop on a tampered one.
 */

const log = buildLog(37);
let dir: string;
let good: Buffer;
let recipe: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'readme-recipe-'));
  good = await buildPackage(packageParts({ log }), dir, 'good.zip');
  const readme = files(good).get('README.md')!.toString();
  const section = readme.slice(readme.indexOf('## With standard tools only'));
  recipe = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join('\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(zip: Buffer): Map<string, Buffer> {
  return new Map(readZip(zip, 2 ** 31).map((e) => [e.name, e.data]));
}

/** The package with one file replaced, zipped again (not re-signed). */
function tampered(name: string, change: (data: Buffer) => Buffer): Buffer {
  const entries = readZip(good, 2 ** 31).map((e) =>
    e.name === name ? { ...e, data: change(e.data) } : e,
  );
  return rawZip(entries);
}

let runs = 0;
/** Runs the recipe in a fresh folder that holds the package as evidence.zip. */
function runRecipe(zip: Buffer) {
  const folder = join(dir, `run-${runs++}`);
  mkdirSync(folder);
  writeFileSync(join(folder, 'evidence.zip'), zip);
  const result = spawnSync('bash', ['-c', `set -euo pipefail\n${recipe}`], {
    cwd: folder,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('the README recipe with unzip, sha256sum and openssl', () => {
  it('has the steps it promises', () => {
    expect(recipe).toContain(
      `openssl pkeyutl -verify -pubin -inkey keys/${log.newKey.kid}.pem -rawin -in manifest.json -sigfile manifest.sig`,
    );
    expect(recipe).toContain('sha256sum -c SHA256SUMS');
    expect(recipe).not.toContain('{{');
  });

  it('passes on a genuine package', () => {
    const { status, output } = runRecipe(good);
    expect({ status, output }).toEqual({ status: 0, output: expect.any(String) as string });
    expect(output).toContain('Signature Verified Successfully');
    expect(output).toContain(`${log.newKey.kid}\n`);
    expect(output).toContain('records.jsonl: OK');
    expect(output).toContain('no unlisted file');
    expect(output).toContain(`checkpoint.txt is signed by keys/${log.newKey.kid}.pem`);
    expect(output).toContain('37 entries checked, 0 failed');
  });

  it('stops at the signature when the manifest was changed', () => {
    const zip = tampered('manifest.json', (data) =>
      Buffer.from(data.toString().replace('"recordCount":30', '"recordCount":31')),
    );
    const { status, output } = runRecipe(zip);
    expect(status).not.toBe(0);
    expect(output).toContain('Signature Verification Failure');
    expect(output).not.toContain('records.jsonl: OK');
  });

  it('stops at sha256sum when a record was changed', () => {
    const zip = tampered('records.jsonl', (data) =>
      Buffer.from(data.toString().replace('"loan-desk"', '"loan-dusk"')),
    );
    const { status, output } = runRecipe(zip);
    expect(status).not.toBe(0);
    expect(output).toContain('Signature Verified Successfully');
    expect(output).toContain('records.jsonl: FAILED');
  });

  it('reports a record whose body no longer hashes to its leaf, step by step', () => {
    // The last step on its own, on a package whose records.jsonl was edited: it names the line.
    const zip = tampered('records.jsonl', (data) =>
      Buffer.from(data.toString().replace('"loan-desk"', '"loan-dusk"')),
    );
    const lastStep = recipe.slice(recipe.indexOf('test "$(wc -l < records.jsonl)"'));
    const firstStep = recipe.slice(0, recipe.indexOf('openssl pkeyutl'));
    const saved = recipe;
    recipe = `${firstStep}\n${lastStep}`;
    try {
      const { status, output } = runRecipe(zip);
      expect(status).not.toBe(0);
      expect(output).toContain('line 1: the body does not hash to its leafHash');
      expect(output).toContain('37 entries checked, 1 failed');
    } finally {
      recipe = saved;
    }
  });
});
