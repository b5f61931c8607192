import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { keyPemPath } from 'src/evidence-format/evidence-package';
import {
  buildPackage,
  jsonl,
  packageParts,
  pemOf,
  proofsFor,
  rawZip,
  signerFor,
  type PackageParts,
} from 'src/reports/evidence-package/evidence-package.fixtures';
import { main } from 'src/verifier/audit-verify';
import { verifyPackage } from 'src/verifier/verify';
import { buildLog, newKey, signEntry, type EntryJson } from 'src/verifier/verifier.fixtures';
import { readZip } from 'src/verifier/zip';

/**
 * The published test vectors of `audit-verify package` (docs/test-vectors/): evidence packages,
 * one genuine and the others each broken in one way an attacker or a fault could break it, with
 * the verifier's output and exit status for each, so that another implementation of the
 * verifier can be checked against ours. Every key is derived from a published seed, so the
 * packages are the same bytes on every run; this test rebuilds them and compares, and checks
 * the verifier's output against the committed one. After an intended change of the format or
 * the verifier, `UPDATE_TEST_VECTORS=1 npx jest src/verifier/test-vectors.spec.ts` writes them
 * again (then read the diff: it is what other verifiers will be held to).
 */

const DIR = join(__dirname, '..', '..', 'docs', 'test-vectors');
const UPDATE = process.env.UPDATE_TEST_VECTORS === '1';
const SEED = 'interpretable-audit evidence package test vectors, version 1';

const log = buildLog(37, { seed: SEED });
const attacker = newKey('2026-01-01T00:00:00Z', undefined, `${SEED} attacker`);
const records = log.entries.filter((e) => e.body.kind === 'record');
const others = log.entries.filter((e) => e.body.kind !== 'record');

interface VectorCase {
  name: string;
  /** What is wrong with the package, for docs/test-vectors/cases.json. */
  description: string;
  build: (dir: string) => Promise<Buffer>;
}

function parts(change: (p: PackageParts) => void = () => undefined): PackageParts {
  const p = packageParts({ log, previous: 13 });
  change(p);
  return p;
}

function edited(entry: EntryJson): Record<string, unknown> {
  return { ...entry.body, application: 'loan-dusk' };
}

/** The genuine package's files, one changed, zipped again as a stored ZIP; nothing re-signed. */
async function rezipped(dir: string, change: (name: string, data: Buffer) => Buffer | null) {
  const good = await buildPackage(parts(), dir, 'rezip-source.zip');
  return rawZip(
    readZip(good, 2 ** 31).flatMap(({ name, data }) => {
      const changed = change(name, data);
      return changed === null ? [] : [{ name, data: changed }];
    }),
  );
}

const CASES: VectorCase[] = [
  {
    name: 'genuine',
    description:
      'The genuine package: 30 records and 7 other entries of a 37-entry log, signed by two keys (one retired at 2026-06-01T00:00:00Z), with a consistency proof from the size-13 checkpoint. Every check passes.',
    build: (dir) => buildPackage(parts(), dir, 'genuine.zip'),
  },
  {
    name: 'record-edited',
    description:
      "One record's body changed (its application), its stated leaf hash and signature left as they were; the package signed again by the genuine key, as someone holding the signing key but not the log could.",
    build: (dir) =>
      buildPackage(
        parts((p) => {
          const line = { ...records[0], body: edited(records[0]) };
          p.files.set('records.jsonl', jsonl([line, ...records.slice(1)]));
        }),
        dir,
        'record-edited.zip',
      ),
  },
  {
    name: 'record-forged',
    description:
      "One record changed and signed again by a key that is not the service's; the package's key set extended with that key and the manifest signed by it, so the package is consistent with its own keys. Only the auditor's trusted key set catches it.",
    build: (dir) =>
      buildPackage(
        parts((p) => {
          p.files.set(
            'keys/jwks.json',
            Buffer.from(JSON.stringify({ keys: [...log.jwks.keys, attacker.jwk] })),
          );
          p.files.set(keyPemPath(attacker.kid), Buffer.from(pemOf(attacker)));
          const forged = signEntry(edited(records[0]), attacker);
          p.files.set('records.jsonl', jsonl([forged, ...records.slice(1)]));
          p.signer = signerFor(attacker);
        }),
        dir,
        'record-forged.zip',
      ),
  },
  {
    name: 'proofs-swapped',
    description:
      'The inclusion proofs of the first two records swapped; the package signed again by the genuine key.',
    build: (dir) =>
      buildPackage(
        parts((p) => {
          const order = [records[1], records[0], ...records.slice(2), ...others];
          p.files.set('proofs.jsonl', proofsFor(log, order, 37));
        }),
        dir,
        'proofs-swapped.zip',
      ),
  },
  {
    name: 'record-withheld',
    description:
      'The last record left out, with the record count and the proofs cut to match, signed again by the genuine key; report.json still names the record.',
    build: (dir) =>
      buildPackage(
        parts((p) => {
          const kept = records.slice(0, -1);
          p.fields.report.recordCount = kept.length;
          p.files.set('records.jsonl', jsonl(kept));
          p.files.set('proofs.jsonl', proofsFor(log, [...kept, ...others], 37));
        }),
        dir,
        'record-withheld.zip',
      ),
  },
  {
    name: 'line-not-canonical',
    description:
      'One record line with a space after its body: the same JSON value, but not its RFC 8785 canonical text. Signed again by the genuine key.',
    build: (dir) =>
      buildPackage(
        parts((p) => {
          const lines = records.map((r) => canonicalJson(r));
          lines[0] = lines[0].replace('},"keyId"', '} ,"keyId"');
          p.files.set('records.jsonl', Buffer.from(lines.map((l) => `${l}\n`).join('')));
        }),
        dir,
        'line-not-canonical.zip',
      ),
  },
  {
    name: 'crc-corrupted',
    description:
      'The genuine files stored again in a ZIP whose records.jsonl entry states a wrong CRC-32.',
    build: async (dir) => {
      const zip = await rezipped(dir, (_, data) => data);
      const good = readZip(zip, 2 ** 31);
      return rawZip(
        good.map((e) =>
          e.name === 'records.jsonl' ? { ...e, crc: (crc32(e.data) ^ 1) >>> 0 } : e,
        ),
      );
    },
  },
  {
    name: 'path-traversal',
    description:
      'The genuine files stored again in a ZIP with one more entry, named ../evil.sh, which an unzip would write outside its folder.',
    build: async (dir) =>
      rawZip([
        ...readZip(await rezipped(dir, (_, data) => data), 2 ** 31),
        { name: '../evil.sh', data: Buffer.from('echo owned\n') },
      ]),
  },
];

/** `audit-verify package <case>.zip --keys jwks.json`, run in process from the vectors' folder. */
async function verify(name: string): Promise<{ status: number; stdout: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(
    ['package', join(DIR, `${name}.zip`), '--keys', join(DIR, 'jwks.json')],
    { out: (t) => out.push(t), err: (t) => err.push(t) },
  );
  if (err.length > 0) throw new Error(`audit-verify wrote to stderr: ${err.join('')}`);
  return { status, stdout: out.join('') };
}

let work: string;
const built = new Map<string, Buffer>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'test-vectors-'));
  for (const c of CASES) built.set(c.name, await c.build(work));
  if (!UPDATE) return;
  writeFileSync(join(DIR, 'jwks.json'), `${JSON.stringify(log.jwks, null, 2)}\n`);
  const listed = [];
  for (const c of CASES) {
    writeFileSync(join(DIR, `${c.name}.zip`), built.get(c.name)!);
    const { status, stdout } = await verify(c.name);
    writeFileSync(join(DIR, `${c.name}.out`), stdout);
    const failed = stdout
      .split('\n')
      .filter((l) => l.startsWith('FAIL '))
      .map((l) => l.slice(5, l.indexOf(':')));
    listed.push({
      name: c.name,
      description: c.description,
      exitStatus: status,
      failedChecks: failed,
    });
  }
  writeFileSync(
    join(DIR, 'cases.json'),
    `${JSON.stringify({ seed: SEED, cases: listed }, null, 2)}\n`,
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface CommittedCases {
  cases: { name: string; exitStatus: number; failedChecks: string[] }[];
}

const committed = (): CommittedCases =>
  JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as CommittedCases;

describe('the published test vectors', () => {
  it('are the packages their cases build, byte for byte, with the published keys', () => {
    expect(committed().cases.map((c) => c.name)).toEqual(CASES.map((c) => c.name));
    for (const c of CASES) {
      const file = readFileSync(join(DIR, `${c.name}.zip`));
      if (!file.equals(built.get(c.name)!)) {
        throw new Error(
          `docs/test-vectors/${c.name}.zip is not what its case builds: after an intended change, run UPDATE_TEST_VECTORS=1 npx jest src/verifier/test-vectors.spec.ts and read the diff`,
        );
      }
    }
    expect(JSON.parse(readFileSync(join(DIR, 'jwks.json'), 'utf8'))).toEqual(log.jwks);
  });

  it.each(CASES.map((c) => c.name))(
    '%s: audit-verify prints the committed output and exit status',
    async (name) => {
      const expected = committed().cases.find((c) => c.name === name)!;
      const { status, stdout } = await verify(name);
      expect(stdout).toBe(readFileSync(join(DIR, `${name}.out`), 'utf8'));
      expect(status).toBe(expected.exitStatus);
    },
  );

  it('reach the same checks when the lines are verified on worker threads', async () => {
    const jwks = JSON.parse(readFileSync(join(DIR, 'jwks.json'), 'utf8')) as unknown;
    for (const c of CASES) {
      const path = join(DIR, `${c.name}.zip`);
      const here = await verifyPackage(path, jwks);
      // Two lines a batch: the 30 records go out in 15 batches to 3 workers and must come back
      // in order, each line named by its own number.
      const threads = await verifyPackage(path, jwks, undefined, {
        jobs: 3,
        parallelFromBytes: 0,
        batchLines: 2,
      });
      expect(threads).toEqual(here);
    }
  }, 60_000);

  it('pass for the genuine package only, each broken one failing where its case says', () => {
    const cases = committed().cases;
    expect(cases.filter((c) => c.exitStatus === 0).map((c) => c.name)).toEqual(['genuine']);
    const failed = Object.fromEntries(cases.map((c) => [c.name, c.failedChecks]));
    expect(failed).toEqual({
      genuine: [],
      'record-edited': ['records', 'proofs'],
      'record-forged': [
        'key source',
        'manifest signature',
        'manifest key window',
        'records',
        'proofs',
      ],
      'proofs-swapped': ['proofs'],
      'record-withheld': ['report records'],
      'line-not-canonical': ['records', 'proofs', 'report records'],
      'crc-corrupted': ['archive', 'package'],
      'path-traversal': ['archive', 'package'],
    });
  });
});
