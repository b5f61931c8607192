import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { keyPemPath } from 'src/evidence-format/evidence-package';
import {
  buildPackage,
  jsonl,
  packageParts,
  pemOf,
  proofsFor,
  rawZip,
  reportJson,
  signerFor,
  type PackageParts,
  type RawEntry,
} from 'src/reports/evidence-package/evidence-package.fixtures';
import { main, terminalProgress } from 'src/verifier/audit-verify';
import { verifyPackage, type Check } from 'src/verifier/verify';
import {
  ROTATION,
  buildLog,
  newKey,
  signEntry,
  type EntryJson,
  type TestKey,
} from 'src/verifier/verifier.fixtures';
import { readZip, tableCrc32 } from 'src/verifier/zip';

const log = buildLog(37);
const records = log.entries.filter((e) => e.body.kind === 'record');
const others = log.entries.filter((e) => e.body.kind !== 'record');
const attacker = newKey('2026-01-01T00:00:00Z');
let dir: string;
let good: Buffer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verify-package-'));
  good = await buildPackage(parts(), dir, 'good.zip');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The test log's package, with a consistency proof from the size-13 checkpoint. */
function parts(): PackageParts {
  return packageParts({ log, previous: 13 });
}

let built = 0;
/** Builds a package from changed parts, signed by the genuine key unless the change says. */
async function build(change: (p: PackageParts) => void): Promise<Buffer> {
  const p = parts();
  change(p);
  return buildPackage(p, dir, `built-${built++}.zip`);
}

function failedNames(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.name);
}

function detailOf(checks: Check[], name: string): string {
  return checks.find((c) => c.name === name)?.detail ?? `(no ${name} check)`;
}

function entriesOf(zip: Buffer): RawEntry[] {
  return readZip(zip, 2 ** 31).map(({ name, data }) => ({ name, data }));
}

/** The package's files with one changed or added, zipped again; nothing re-signed. */
function rezip(zip: Buffer, change: (entries: RawEntry[]) => RawEntry[] | void): Buffer {
  const entries = entriesOf(zip);
  return rawZip(change(entries) ?? entries);
}

function replaceFile(zip: Buffer, name: string, data: Buffer): Buffer {
  return rezip(zip, (entries) => entries.map((e) => (e.name === name ? { name, data } : e)));
}

function edited(entry: EntryJson, key: TestKey | null): EntryJson {
  // Same length as 'loan-desk': only the hash can tell.
  const body = { ...entry.body, application: 'loan-dusk' };
  return key ? signEntry(body, key) : { ...entry, body };
}

/** Adds `key` to the package's key set and key files, as a forger would. */
function withKey(p: PackageParts, key: TestKey): void {
  p.files.set('keys/jwks.json', Buffer.from(JSON.stringify({ keys: [...log.jwks.keys, key.jwk] })));
  p.files.set(keyPemPath(key.kid), Buffer.from(pemOf(key)));
}

describe('verifyPackage accepts', () => {
  it('the genuine package, with the keys it carries: and lists them to compare', async () => {
    const checks = await verifyPackage(good);
    expect(failedNames(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'archive',
      'manifest format',
      'key set',
      'key source',
      'manifest signature',
      'manifest key window',
      'files',
      'SHA256SUMS',
      'key files',
      'checkpoint format',
      'checkpoint signature',
      'checkpoint matches manifest',
      'record count',
      'records',
      'entry count',
      'entries',
      'proofs',
      'previous checkpoint',
      'consistency',
      'report records',
    ]);
    const source = detailOf(checks, 'key source');
    expect(source).toContain('no --keys given: the keys were taken from the package itself');
    expect(source).toContain(log.oldKey.kid);
    expect(source).toContain(log.newKey.kid);
    expect(detailOf(checks, 'records')).toBe(
      '30 of 30 verified: leaf hash, signature, key window, tenant, log order',
    );
    expect(detailOf(checks, 'proofs')).toMatch(/^37 of 37 inclusion proofs/);
  });

  it('the genuine package against the trusted key set, and a copy re-zipped without change', async () => {
    const checks = await verifyPackage(good, log.jwks);
    expect(failedNames(checks)).toEqual([]);
    expect(detailOf(checks, 'key source')).toContain('all in the trusted set');
    expect(
      failedNames(
        await verifyPackage(
          rezip(good, () => undefined),
          log.jwks,
        ),
      ),
    ).toEqual([]);
  });
});

describe('verifyPackage on a file', () => {
  it('reads it where it lies and reaches the verdict it reaches in memory, check for check', async () => {
    const tampered = [
      good,
      replaceFile(good, 'records.jsonl', jsonl([edited(records[0], null), ...records.slice(1)])),
      replaceFile(good, 'proofs.jsonl', Buffer.from('{}\n')),
      replaceFile(good, 'entries.jsonl', Buffer.from(jsonl(others).toString().trimEnd())),
      replaceFile(good, 'report.json', Buffer.from('{}')),
      good.subarray(0, good.length - 100),
    ];
    for (const [i, zip] of tampered.entries()) {
      const path = join(dir, `as-file-${i}.zip`);
      writeFileSync(path, zip);
      const inMemory = await verifyPackage(zip, log.jwks);
      expect(await verifyPackage(path, log.jwks)).toEqual(inMemory);
      expect(failedNames(inMemory).length > 0).toBe(i > 0);
    }
  });
});

describe('verifyPackage rejects', () => {
  it('one byte changed in any file of the package', async () => {
    const names = entriesOf(good).map((e) => e.name);
    expect(names).toHaveLength(15);
    for (const name of names) {
      const zip = rezip(good, (entries) => {
        const entry = entries.find((e) => e.name === name)!;
        entry.data = Buffer.from(entry.data);
        entry.data[entry.data.length >> 1] ^= 0x01;
      });
      const failed = failedNames(await verifyPackage(zip, log.jwks));
      const expected = name.startsWith('manifest.') ? 'manifest signature' : 'files';
      // A changed manifest.json may also stop being canonical JSON: either way it fails.
      expect({
        name,
        failed: failed.includes(expected) || failed.includes('manifest format'),
      }).toEqual({
        name,
        failed: true,
      });
      if (!name.startsWith('manifest.'))
        expect(detailOf(await verifyPackage(zip), 'files')).toContain(name);
    }
  });

  it('a record edited, with the manifest left as it was', async () => {
    const zip = replaceFile(
      good,
      'records.jsonl',
      jsonl([edited(records[0], null), ...records.slice(1)]),
    );
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['files', 'records', 'proofs']);
    expect(detailOf(checks, 'files')).toContain('records.jsonl has SHA-256');
    expect(detailOf(checks, 'records')).toMatch(
      /^1 of 30 failed: records\.jsonl:1 .*leaf hash: .*the body was changed/,
    );
  });

  it('record lines that are not canonical JSON, the package otherwise signed by the genuine key', async () => {
    const reversed = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).reverse());
    const lines = [
      // The entry's members out of order; the body's order; a space after the body.
      JSON.stringify(reversed(records[0] as unknown as Record<string, unknown>)),
      JSON.stringify({ ...records[1], body: reversed(records[1].body) }),
      canonicalJson(records[2]).replace('},"keyId"', '} ,"keyId"'),
      ...records.slice(3).map((r) => canonicalJson(r)),
    ];
    const zip = await build((p) => {
      p.files.set('records.jsonl', Buffer.from(lines.map((l) => `${l}\n`).join('')));
    });
    const checks = await verifyPackage(zip, log.jwks);
    // Lines that cannot be read have no entry: their proofs and report.json's list fail too.
    expect(failedNames(checks)).toEqual(['records', 'proofs', 'report records']);
    const detail = detailOf(checks, 'records');
    expect(detail).toMatch(/^3 of 30 failed: /);
    for (const line of [1, 2, 3]) {
      expect(detail).toMatch(
        new RegExp(
          `records\\.jsonl:${line} \\([^)]*\\): the line is not in RFC 8785 canonical form: `,
        ),
      );
    }
    expect(detail).toContain('whitespace between tokens');
  });

  it('a record edited and re-signed with another key, the package re-signed by that key', async () => {
    const zip = await build((p) => {
      withKey(p, attacker);
      p.files.set('records.jsonl', jsonl([edited(records[0], attacker), ...records.slice(1)]));
      p.signer = signerFor(attacker);
    });
    const trusted = await verifyPackage(zip, log.jwks);
    expect(failedNames(trusted)).toEqual([
      'key source',
      'manifest signature',
      'manifest key window',
      'records',
      'proofs',
    ]);
    expect(detailOf(trusted, 'key source')).toBe(`${attacker.kid} is not in the trusted key set`);
    expect(detailOf(trusted, 'records')).toContain(
      `signing key: no key ${attacker.kid} in the key set`,
    );
    // Without --keys the forged key is believed, but the genuine checkpoint still refuses the
    // edited record, and the forged key's thumbprint is listed for the auditor to compare.
    const alone = await verifyPackage(zip);
    expect(failedNames(alone)).toEqual(['proofs']);
    expect(detailOf(alone, 'proofs')).toMatch(/records\.jsonl:1: proof leaf hash: /);
    expect(detailOf(alone, 'key source')).toContain(attacker.kid);
  });

  it('a proof of the wrong leaf (two proofs swapped)', async () => {
    const order = [records[1], records[0], ...records.slice(2), ...others];
    const zip = await build((p) => p.files.set('proofs.jsonl', proofsFor(log, order, 37)));
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['proofs']);
    expect(detailOf(checks, 'proofs')).toMatch(
      /^2 problem\(s\): proofs\.jsonl:1 for records\.jsonl:1: the proof is for entry/,
    );
  });

  it('a proof of the wrong leaf that names the right entry', async () => {
    const proofs = [...records, ...others].map((e) => ({
      entryId: e.body.id,
      ...log.inclusion(e.body.logIndex as number, 37),
    }));
    proofs[0] = { ...proofs[1], entryId: proofs[0].entryId };
    const zip = await build((p) => p.files.set('proofs.jsonl', jsonl(proofs)));
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['proofs']);
    expect(detailOf(checks, 'proofs')).toMatch(
      /^1 problem\(s\): .*proof leaf hash: the proof is for leaf/,
    );
  });

  it('a manifest made after its key was retired', async () => {
    const zip = await build((p) => (p.signer = signerFor(log.oldKey)));
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['manifest key window']);
    expect(detailOf(checks, 'manifest key window')).toContain("is not before the key's validUntil");
  });

  it("a record signed by a key outside its window at the record's time", async () => {
    const late = records.findIndex((r) => (r.body.time as string) >= ROTATION);
    const resigned = signEntry(records[late].body, log.oldKey); // same body and leaf, retired key
    const lines = records.map((r, i) => (i === late ? resigned : r));
    const zip = await build((p) => p.files.set('records.jsonl', jsonl(lines)));
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['records']);
    expect(detailOf(checks, 'records')).toMatch(
      new RegExp(`^1 of 30 failed: records\\.jsonl:${late + 1} .*key window: `),
    );
  });

  it('a truncated log: records.jsonl without its last line, re-signed by the genuine key', async () => {
    const zip = await build((p) => p.files.set('records.jsonl', jsonl(records.slice(0, -1))));
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['record count', 'proofs', 'report records']);
    expect(detailOf(checks, 'record count')).toBe(
      "records.jsonl has 29 lines, the manifest's report.recordCount is 30: the package is truncated or padded",
    );
  });

  it('a truncated log whose counts and proofs were cut to match: report.json still names the record', async () => {
    const kept = records.slice(0, -1);
    const zip = await build((p) => {
      p.fields.report.recordCount = kept.length;
      p.files.set('records.jsonl', jsonl(kept));
      p.files.set('proofs.jsonl', proofsFor(log, [...kept, ...others], 37));
    });
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['report records']);
    expect(detailOf(checks, 'report records')).toBe(
      'report.json lists 30 records, records.jsonl holds 29',
    );
    const consistent = await build((p) => {
      p.fields.report.recordCount = kept.length;
      p.files.set('records.jsonl', jsonl(kept));
      p.files.set('proofs.jsonl', proofsFor(log, [...kept, ...others], 37));
      p.files.set('report.json', reportJson(kept));
    });
    expect(failedNames(await verifyPackage(consistent, log.jwks))).toEqual([]);
  });

  it('a checkpoint of a shorter tree than the proofs claim', async () => {
    const zip = await build((p) => {
      const note = log.checkpoint(30);
      p.files.set('checkpoint.txt', Buffer.from(note));
      p.fields.checkpoint = { size: 30, rootHash: note.split('\n')[2] };
      p.fields.previousCheckpoint = undefined;
      p.files.delete('consistency.json');
    });
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['proofs']);
    expect(detailOf(checks, 'proofs')).toContain(
      'proof tree size: the proof is for tree size 37, the checkpoint has size 30',
    );
  });

  it('a checkpoint that is not the one the manifest names, and a broken consistency proof', async () => {
    const zip = await build((p) => {
      const proof = { ...log.consistency(12, 37), oldCheckpoint: log.checkpoint(13) };
      p.files.set('consistency.json', Buffer.from(JSON.stringify(proof)));
    });
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual(['consistency']);
    const other = replaceFile(good, 'checkpoint.txt', Buffer.from(log.checkpoint(36)));
    expect(failedNames(await verifyPackage(other, log.jwks))).toEqual(
      expect.arrayContaining(['files', 'checkpoint matches manifest', 'proofs']),
    );
  });

  it('a manifest signed by a key the auditor does not trust, and a manifest.sig that is no signature', async () => {
    const zip = await build((p) => {
      withKey(p, attacker);
      p.signer = signerFor(attacker);
    });
    const checks = await verifyPackage(zip, log.jwks);
    expect(failedNames(checks)).toEqual([
      'key source',
      'manifest signature',
      'manifest key window',
    ]);
    expect(detailOf(checks, 'manifest signature')).toBe(`no key ${attacker.kid} in the key set`);

    for (const signature of [randomBytes(64), Buffer.alloc(63)]) {
      const forged = replaceFile(good, 'manifest.sig', signature);
      expect(failedNames(await verifyPackage(forged, log.jwks))).toEqual(['manifest signature']);
    }
  });

  it('a package key that differs from the trusted key of the same kid', async () => {
    const trusted = { keys: [log.oldKey.jwk, { ...log.newKey.jwk, x: attacker.jwk.x }] };
    const checks = await verifyPackage(good, trusted);
    expect(failedNames(checks)).toContain('trusted key set');
  });

  it('an archive with a path-traversal name, a duplicate name, or an unlisted file', async () => {
    const extra = { name: 'notes.txt', data: Buffer.from('hello') };
    const cases: [RawEntry, string, RegExp][] = [
      [{ ...extra, name: '../evil.sh' }, 'archive', /escapes with \.\./],
      [{ ...extra, name: 'model/../../evil.sh' }, 'archive', /escapes with \.\./],
      [{ ...extra, name: '/etc/cron.d/evil' }, 'archive', /absolute/],
      [{ ...extra, name: 'keys\\evil.pem' }, 'archive', /backslash/],
      [{ ...extra, name: 'records.jsonl' }, 'archive', /the name records\.jsonl appears twice/],
      [{ ...extra, name: 'Records.jsonl' }, 'archive', /appears twice/],
      [extra, 'files', /notes\.txt is in the archive but not in the manifest/],
    ];
    for (const [entry, check, why] of cases) {
      const checks = await verifyPackage(
        rezip(good, (entries) => [...entries, entry]),
        log.jwks,
      );
      expect(failedNames(checks)).toEqual(check === 'archive' ? ['archive', 'package'] : ['files']);
      expect(detailOf(checks, check)).toMatch(why);
    }
  });

  it('an archive with a corrupted CRC, sizes that disagree, or cut short', async () => {
    const entries = entriesOf(good);
    const badCrc = rawZip(
      entries.map((e, i) => (i === 5 ? { ...e, crc: (zlibCrc32(e.data) ^ 1) >>> 0 } : e)),
    );
    expect(detailOf(await verifyPackage(badCrc), 'archive')).toBe(
      `the CRC-32 of "${entries[5].name}" does not match`,
    );

    const sizes = rawZip(entries);
    sizes.writeUInt32LE(sizes.readUInt32LE(22) + 1, 22); // first local header's uncompressed size
    expect(detailOf(await verifyPackage(sizes), 'archive')).toMatch(
      /CRC or sizes of "manifest\.json" differ between its headers/,
    );

    for (const cut of [
      good.subarray(0, good.length - 1),
      good.subarray(0, 1000),
      Buffer.alloc(0),
    ]) {
      expect(failedNames(await verifyPackage(cut))).toEqual(['archive', 'package']);
    }
  });

  it('a corrupted CRC in a file checked line by line, found once its last line has passed', async () => {
    const entries = entriesOf(good);
    for (const name of ['records.jsonl', 'entries.jsonl', 'proofs.jsonl']) {
      const zip = rawZip(
        entries.map((e) => (e.name === name ? { ...e, crc: (zlibCrc32(e.data) ^ 1) >>> 0 } : e)),
      );
      const path = join(dir, `crc-${name}.zip`);
      writeFileSync(path, zip);
      for (const checks of [
        await verifyPackage(zip, log.jwks),
        await verifyPackage(path, log.jwks),
      ]) {
        expect(failedNames(checks)).toEqual(['archive', 'package']);
        expect(detailOf(checks, 'archive')).toBe(`the CRC-32 of "${name}" does not match`);
      }
    }
  });

  it('an archive that would inflate beyond the limit, ZIP64 and encrypted entries', () => {
    expect(() => readZip(good, 10_000)).toThrow(
      /inflate to \d+ bytes, over the limit of 10000 \(a ZIP bomb\?\)/,
    );
    const encrypted = rawZip(entriesOf(good));
    const cd = encrypted.readUInt32LE(encrypted.length - 6);
    encrypted.writeUInt16LE(encrypted.readUInt16LE(cd + 8) | 1, cd + 8);
    expect(() => readZip(encrypted, 2 ** 31)).toThrow('the entry "manifest.json" is encrypted');
    const zip64 = rawZip(entriesOf(good));
    zip64.writeUInt32LE(0xffffffff, zip64.length - 6);
    expect(() => readZip(zip64, 2 ** 31)).toThrow('ZIP64 archives are not supported');
  });

  it('the CRC-32 fallback agrees with zlib, also continued chunk by chunk', () => {
    for (const size of [0, 1, 31, 4096]) {
      const data = randomBytes(size);
      expect(tableCrc32(data)).toBe(zlibCrc32(data));
      const half = size >> 1;
      const first = tableCrc32(data.subarray(0, half));
      expect(tableCrc32(data.subarray(half), first)).toBe(zlibCrc32(data));
    }
  });
});

describe('audit-verify package', () => {
  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const status = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { status, stdout: out.join(''), stderr: err.join('') };
  }

  beforeAll(() => {
    writeFileSync(join(dir, 'trusted.json'), JSON.stringify(log.jwks));
    writeFileSync(join(dir, 'bad.zip'), replaceFile(good, 'report.json', Buffer.from('{}')));
  });

  it('prints one ok line per check and exits 0 for the genuine package', async () => {
    const { status, stdout, stderr } = await run(
      'package',
      join(dir, 'good.zip'),
      '--keys',
      join(dir, 'trusted.json'),
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('package good.zip');
    expect(lines.slice(1, -1).every((l) => l.startsWith('ok   '))).toBe(true);
    expect(lines).toContain(
      'ok   records: 30 of 30 verified: leaf hash, signature, key window, tenant, log order',
    );
    expect(lines.at(-1)).toBe('verified: all 21 checks passed for package good.zip');
  });

  it('prints FAIL lines naming the check and exits 1 for a tampered package', async () => {
    const { status, stdout } = await run('package', join(dir, 'bad.zip'));
    expect(status).toBe(1);
    expect(stdout).toMatch(/^FAIL files: report\.json has 2 bytes, the manifest lists \d+$/m);
    expect(stdout).toMatch(/^FAIL report records: report\.json has no records array$/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(
      'FAILED: 2 of 20 checks failed for package bad.zip',
    );
  });

  it('shows its progress on a terminal line, erased before the results', async () => {
    const display: string[] = [];
    const out: string[] = [];
    let clock = 0;
    // A slow machine: 10 ms pass between two looks at the clock, so the display is redrawn
    // about every tenth line.
    const progress = terminalProgress({ write: (t) => display.push(t) }, () => (clock += 10));
    const status = await main(['package', join(dir, 'good.zip')], {
      out: (t) => out.push(t),
      err: () => undefined,
      progress,
    });
    expect(status).toBe(0);
    const erase = '\r\x1b[K';
    expect(display.every((t) => t.startsWith(erase))).toBe(true);
    const shown = display.map((t) => t.slice(erase.length));
    expect(shown[0]).toBe('audit-verify: reading the archive');
    expect(shown).toContain('audit-verify: records.jsonl 30 of 30 (100%)');
    expect(shown).toContain("audit-verify: checking every file's SHA-256");
    expect(shown).toContain('audit-verify: entries.jsonl 7 of 7 (100%)');
    expect(shown).toContain('audit-verify: proofs.jsonl 37 of 37 (100%)');
    // Redrawn as the lines go, never more often than every 100 ms of the clock.
    const records = shown.filter((t) => t.startsWith('audit-verify: records.jsonl'));
    expect(records.length).toBeGreaterThan(1);
    expect(records.length).toBeLessThan(30);
    expect(display.at(-1)).toBe(erase);
    expect(out.join('')).not.toContain('audit-verify:');
  });

  it('exits 2 when called wrongly', async () => {
    expect((await run('package')).stderr).toContain('package needs a zip file');
    expect((await run('package')).status).toBe(2);
    expect((await run('package', 'a.zip', 'b.zip')).stderr).toContain('takes one zip file, not 2');
    expect((await run('package', join(dir, 'missing.zip'))).stderr).toContain(
      'cannot read the package',
    );
    expect((await run('package', join(dir, 'good.zip'), '--entry', 'x')).status).toBe(2);
    expect(
      (await run('package', join(dir, 'good.zip'), '--keys', join(dir, 'missing.json'))).status,
    ).toBe(2);
    for (const jobs of ['0', '1.5', 'many', '257']) {
      const wrong = await run('package', join(dir, 'good.zip'), '--jobs', jobs);
      expect(wrong.status).toBe(2);
      expect(wrong.stderr).toContain(`--jobs must be a whole number from 1 to 256, not ${jobs}`);
    }
    expect((await run('package', join(dir, 'good.zip'), '--jobs', '3')).status).toBe(0);
  });
});
