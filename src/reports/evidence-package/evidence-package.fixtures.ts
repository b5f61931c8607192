import { createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { keyPemPath, modelFilePath } from 'src/evidence-format/evidence-package';
import {
  writeEvidencePackage,
  type PackageManifestFields,
  type PackageSigner,
} from 'src/reports/evidence-package/evidence-package.builder';
import {
  ROTATION,
  TENANT,
  buildLog,
  originOf,
  type EntryJson,
  type TestKey,
  type TestLog,
} from 'src/verifier/verifier.fixtures';

/**
 * Real evidence packages for the tests of the builder and of `audit-verify package`: the test log
 * of src/verifier/verifier.fixtures.ts (real Ed25519 keys, real Merkle proofs, real signed
 * checkpoints) cut into the files of the package format. Tests change the parts, then build.
 */

export const GENERATED_AT = '2026-06-01T00:40:00.000Z';

/** Everything a package is built from, for a test to change before it builds. */
export interface PackageParts {
  log: TestLog;
  fields: PackageManifestFields;
  /** Path → bytes; a test may replace `source` by a file path to exercise streaming. */
  files: Map<string, Buffer | string>;
  signer: PackageSigner;
}

/** `.jsonl` text: canonical JSON per line, each line ending in a newline. */
export function jsonl(values: readonly unknown[]): Buffer {
  return Buffer.from(values.map((v) => `${canonicalJson(v)}\n`).join(''), 'utf8');
}

export function signerFor(key: TestKey): PackageSigner {
  return {
    keyId: key.kid,
    sign: (bytes) =>
      Promise.resolve({ keyId: key.kid, signature: sign(null, bytes, key.privateKey) }),
  };
}

export function pemOf(key: TestKey): string {
  return createPublicKey(key.privateKey).export({ format: 'pem', type: 'spki' }) as string;
}

/**
 * The parts of a package over the whole test log (37 entries, size-37 checkpoint): the records
 * in records.jsonl, the reviews in entries.jsonl. With `previous`, it also carries the
 * consistency proof from the checkpoint of that size.
 */
export function packageParts(options: { log?: TestLog; previous?: number } = {}): PackageParts {
  const log = options.log ?? buildLog(37);
  const size = log.entries.length;
  const records = log.entries.filter((e) => e.body.kind === 'record');
  const others = log.entries.filter((e) => e.body.kind !== 'record');
  const files = new Map<string, Buffer | string>([
    ['report.pdf', Buffer.from('%PDF-1.7\n% a stand-in: the builder only hashes and stores it\n')],
    ['report.json', reportJson(records)],
    ['records.jsonl', jsonl(records)],
    ['entries.jsonl', jsonl(others)],
    ['proofs.jsonl', proofsFor(log, [...records, ...others], size)],
    ['checkpoint.txt', Buffer.from(log.checkpoint(size))],
    ['keys/jwks.json', Buffer.from(JSON.stringify(log.jwks, null, 2))],
    [keyPemPath(log.oldKey.kid), Buffer.from(pemOf(log.oldKey))],
    [keyPemPath(log.newKey.kid), Buffer.from(pemOf(log.newKey))],
    [
      modelFilePath('loan-desk-lm', '1.0.0', 'MODEL_CARD.md'),
      Buffer.from('# loan-desk-lm 1.0.0\n'),
    ],
  ]);
  const fields: PackageManifestFields = {
    packageId: '7d0c4e1a-9b2f-4c3d-8e5f-6a7b8c9d0e1f',
    tenant: TENANT,
    origin: originOf(TENANT),
    report: {
      id: 'f1e2d3c4-b5a6-4978-8a6b-5c4d3e2f1a0b',
      kind: 'period-audit',
      scope: { applicationIds: [], from: '2026-05-31T00:00:00.000Z', to: ROTATION },
      recordCount: records.length,
      entryCount: others.length,
    },
    generatedAt: GENERATED_AT,
    generator: { name: 'interpretable-audit', version: '0.1.0' },
    checkpoint: { size, rootHash: rootOf(log.checkpoint(size)) },
  };
  if (options.previous !== undefined) {
    const old = log.checkpoint(options.previous);
    fields.previousCheckpoint = { size: options.previous, rootHash: rootOf(old) };
    const proof = { ...log.consistency(options.previous, size), oldCheckpoint: old };
    files.set('consistency.json', Buffer.from(canonicalJson(proof)));
  }
  return { log, fields, files, signer: signerFor(log.newKey) };
}

export function reportJson(records: readonly EntryJson[]): Buffer {
  const list = records.map((r) => ({ id: r.body.id, logIndex: r.body.logIndex }));
  return Buffer.from(canonicalJson({ title: 'Period audit', records: list }));
}

export function proofsFor(log: TestLog, entries: readonly EntryJson[], size: number): Buffer {
  return jsonl(
    entries.map((e) => ({ entryId: e.body.id, ...log.inclusion(e.body.logIndex as number, size) })),
  );
}

function rootOf(note: string): string {
  return note.split('\n')[2];
}

/** Builds the package of `parts` into `dir/name` and returns its bytes. */
export async function buildPackage(
  parts: PackageParts,
  dir: string,
  name = 'evidence.zip',
): Promise<Buffer> {
  const out = join(dir, name);
  const files = [...parts.files].map(([path, source]) => ({ path, source }));
  await writeEvidencePackage({ manifest: parts.fields, signer: parts.signer, files }, out);
  return readFileSync(out);
}

/** A ZIP entry for `rawZip`: stored, with the name's bytes and the CRC as given (or computed). */
export interface RawEntry {
  name: string;
  data: Buffer;
  crc?: number;
}

/**
 * A minimal stored-only ZIP writer with no name checks, to build the archives a real tool would
 * refuse to write: path traversal, duplicate names, a wrong CRC.
 */
export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = entry.crc ?? crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(1 << 11, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(1 << 11, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += 30 + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
