import { canonicalJson } from 'src/evidence-format/canonical-json';
import {
  OTHER_TENANT,
  ROTATION,
  TENANT,
  buildLog,
  newKey,
  originOf,
  recordBody,
  signEntry,
} from 'src/verifier/verifier.fixtures';
import { duplicateMemberName, parseTime } from 'src/verifier/encoding';
import {
  allPassed,
  describeEntry,
  jwkThumbprint,
  verifyCheckpointNote,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifyRecord,
  type Check,
} from 'src/verifier/verify';

const log = buildLog(37);
const ORIGIN = originOf(TENANT);

/** The names of the failed checks: what the auditor is told is wrong. */
function failed(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.name);
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('jwkThumbprint', () => {
  it('matches the example of RFC 8037 §A.3', () => {
    expect(jwkThumbprint('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo')).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
  });
});

describe('verifyRecord', () => {
  it('passes every entry of the log, across the key rotation', () => {
    for (const entry of log.entries) {
      const checks = verifyRecord(entry, log.jwks);
      expect(failed(checks)).toEqual([]);
      expect(checks.map((c) => c.name)).toEqual([
        'entry format',
        'body fields',
        'leaf hash',
        'key set',
        'signing key',
        'key window',
        'signature',
      ]);
    }
    expect(log.entries[9].keyId).toBe(log.oldKey.kid);
    expect(log.entries[10].keyId).toBe(log.newKey.kid);
  });

  it('passes a body written with other whitespace and member order (it is re-canonicalised)', () => {
    const entry = log.entries[3];
    const reordered = Object.fromEntries(Object.entries(entry.body).reverse());
    const reparsed = JSON.parse(JSON.stringify({ ...entry, body: reordered }, null, 2)) as unknown;
    expect(failed(verifyRecord(reparsed, log.jwks))).toEqual([]);
  });

  it('names the leaf hash when any bit of any byte of the canonical body is flipped', () => {
    const entry = log.entries[12];
    const canonical = Buffer.from(canonicalJson(entry.body), 'utf8');
    let parsed = 0;
    for (let i = 0; i < canonical.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutated = Buffer.from(canonical);
        mutated[i] ^= 1 << bit;
        let body: unknown;
        try {
          body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(mutated));
        } catch {
          continue; // Not JSON any more: the file itself is rejected (exit status 2).
        }
        parsed++;
        const checks = verifyRecord({ ...entry, body }, log.jwks);
        expect(allPassed(checks)).toBe(false);
        if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
          expect(failed(checks)).toContain('leaf hash');
        }
      }
    }
    expect(parsed).toBeGreaterThan(500); // most flips inside strings and numbers still parse
  });

  it('says so when only the stated leaf hash was changed', () => {
    const entry = clone(log.entries[0]);
    entry.leafHash = log.entries[1].leafHash;
    expect(failed(verifyRecord(entry, log.jwks))).toEqual(['leaf hash']);
  });

  it('says the signature covers the stated hash when the body alone was changed', () => {
    const entry = clone(log.entries[0]);
    entry.body.application = 'other-app';
    const checks = verifyRecord(entry, log.jwks);
    expect(failed(checks)).toEqual(['leaf hash', 'signature']);
    expect(checks.find((c) => c.name === 'signature')?.detail).toMatch(/stated leaf hash/);
  });

  it('fails a flipped signature bit and a signature of the wrong length', () => {
    const entry = clone(log.entries[20]);
    const signature = Buffer.from(entry.signature, 'base64');
    signature[10] ^= 0x04;
    expect(
      failed(verifyRecord({ ...entry, signature: signature.toString('base64') }, log.jwks)),
    ).toEqual(['signature']);
    const short = signature.subarray(0, 63).toString('base64');
    expect(failed(verifyRecord({ ...entry, signature: short }, log.jwks))).toEqual(['signature']);
  });

  it('fails an entry signed by a key that is not in the set', () => {
    const stranger = newKey('2026-01-01T00:00:00Z');
    const entry = signEntry(log.entries[15].body, stranger);
    expect(failed(verifyRecord(entry, log.jwks))).toEqual([
      'signing key',
      'key window',
      'signature',
    ]);
  });

  it('fails an entry whose keyId names another key of the set than the one that signed', () => {
    const entry = { ...log.entries[15], keyId: log.oldKey.kid };
    // The old key's window also fails: the entry's time is after the rotation.
    expect(failed(verifyRecord(entry, log.jwks))).toEqual(['key window', 'signature']);
  });

  it('refuses a key whose kid is not its thumbprint, and the entries it signed', () => {
    const impostor = newKey(ROTATION);
    const jwks = clone(log.jwks);
    jwks.keys[1] = { ...impostor.jwk, kid: log.newKey.kid };
    const entry = signEntry(log.entries[20].body, { ...impostor, kid: log.newKey.kid });
    const checks = verifyRecord(entry, jwks);
    expect(failed(checks)).toEqual(['key set', 'signing key', 'key window', 'signature']);
    expect(checks.find((c) => c.name === 'signing key')?.detail).toMatch(/RFC 7638 thumbprint/);
  });

  it.each([
    ['a key with a private part', (k: Record<string, string>) => ({ ...k, d: 'secret' })],
    ['a key of another curve', (k: Record<string, string>) => ({ ...k, crv: 'X25519' })],
    ['a key for encryption', (k: Record<string, string>) => ({ ...k, use: 'enc' })],
    ['a key without validFrom', ({ validFrom: _, ...k }: Record<string, string>) => k],
    ['a key with a bad validFrom', (k: Record<string, string>) => ({ ...k, validFrom: 'soon' })],
    ['a key with padded x', (k: Record<string, string>) => ({ ...k, x: `${k.x}=` })],
  ])('refuses %s', (_, edit) => {
    const jwks = { keys: [log.oldKey.jwk, edit(log.newKey.jwk)] };
    expect(failed(verifyRecord(log.entries[20], jwks))).toEqual([
      'key set',
      'signing key',
      'key window',
      'signature',
    ]);
    // The other key still works for the entries it signed, but the key set is reported.
    expect(failed(verifyRecord(log.entries[2], jwks))).toEqual(['key set']);
  });

  it('fails a key set that is not a key set, without throwing', () => {
    for (const jwks of [null, [], { keys: 'x' }, { keys: [] }, 'jwks']) {
      expect(failed(verifyRecord(log.entries[0], jwks))).toContain('key set');
    }
  });

  it('applies the key window: validFrom inclusive, validUntil exclusive', () => {
    const at = (time: string, key = log.oldKey) =>
      failed(verifyRecord(signEntry(recordBody(3, time), key), log.jwks));
    expect(at('2026-05-31T23:59:59.999Z')).toEqual([]);
    expect(at(ROTATION)).toEqual(['key window']);
    expect(at('2026-05-31T23:59:59.9999999Z')).toEqual([]);
    expect(at('2026-07-01T00:00:00.000Z')).toEqual(['key window']);
    expect(at('2025-12-31T23:59:59.999Z')).toEqual(['key window']);
    expect(at('2026-01-01T00:00:00.000Z')).toEqual([]);
    expect(at(ROTATION, log.newKey)).toEqual([]);
    expect(at('2026-05-31T23:59:59.999Z', log.newKey)).toEqual(['key window']);
  });

  it.each([
    ['schemaVersion', 2],
    ['kind', 'note'],
    ['id', ''],
    ['tenant', 'not-a-uuid'],
    ['logIndex', -1],
    ['logIndex', 1.5],
    ['logIndex', '3'],
    ['time', '2026-06-01T02:00:00+02:00'],
    ['time', '2026-02-30T00:00:00Z'],
    ['time', undefined],
  ])('fails a body whose %s is %p', (member, value) => {
    const body = { ...log.entries[20].body, [member]: value };
    if (value === undefined) delete body[member];
    const checks = verifyRecord(signEntry(body, log.newKey), log.jwks);
    expect(failed(checks)).toContain('body fields');
    expect(checks.find((c) => c.name === 'body fields')?.detail).toContain(member);
  });

  it('fails a malformed entry with every check named, without throwing', () => {
    for (const entry of [
      null,
      'x',
      {},
      { ...log.entries[0], body: [] },
      { ...log.entries[0], keyId: 7 },
    ]) {
      const checks = verifyRecord(entry, log.jwks);
      expect(failed(checks)).toEqual([
        'entry format',
        'body fields',
        'leaf hash',
        'signing key',
        'key window',
        'signature',
      ]);
    }
  });

  it('describes the entry by id and logIndex', () => {
    expect(describeEntry(log.entries[7])).toBe(
      `id=${log.entries[7].body.id as string} logIndex=7 tenant=${TENANT}`,
    );
    expect(describeEntry(null)).toBe('id=? logIndex=? tenant=?');
  });
});

describe('verifyCheckpointNote', () => {
  it('passes a checkpoint signed by a key of the set, with or without the expected origin', () => {
    expect(failed(verifyCheckpointNote(log.checkpoint(37), log.jwks))).toEqual([]);
    const checks = verifyCheckpointNote(Buffer.from(log.checkpoint(37)), log.jwks, ORIGIN);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual([
      'key set',
      'checkpoint format',
      'checkpoint signature',
      'checkpoint origin',
    ]);
    expect(checks[2].detail).toContain(log.newKey.kid);
  });

  it('fails a checkpoint from another origin than expected', () => {
    const note = log.checkpoint(37, { origin: originOf(OTHER_TENANT) });
    expect(failed(verifyCheckpointNote(note, log.jwks, ORIGIN))).toEqual(['checkpoint origin']);
  });

  it('fails a checkpoint signed by a key outside the set', () => {
    const note = log.checkpoint(37, { key: newKey(ROTATION) });
    expect(failed(verifyCheckpointNote(note, log.jwks))).toEqual(['checkpoint signature']);
  });

  it('fails a checkpoint that does not parse', () => {
    const note = log.checkpoint(37).replace('\n37\n', '\n037\n');
    const checks = verifyCheckpointNote(note, log.jwks);
    expect(failed(checks)).toEqual(['checkpoint format', 'checkpoint signature']);
    expect(checks[1].detail).toMatch(/leading zeros/);
  });
});

describe('verifyInclusionProof', () => {
  const inclusion = (entry: unknown, proof: unknown, note: string) =>
    failed(verifyInclusionProof(entry, proof, note, log.jwks));
  const hashesOf = (index: number, size: number) => log.inclusion(index, size).hashes as string[];

  it('passes every entry in the checkpoint of 37 and in smaller checkpoints that hold it', () => {
    for (let i = 0; i < 37; i++) {
      expect(inclusion(log.entries[i], log.inclusion(i, 37), log.checkpoint(37))).toEqual([]);
    }
    for (const size of [6, 8, 9, 16, 17, 31, 32, 33]) {
      for (const i of [0, 5, size - 1]) {
        expect(inclusion(log.entries[i], log.inclusion(i, size), log.checkpoint(size))).toEqual([]);
      }
    }
  });

  it('passes the tree of one leaf with an empty path', () => {
    expect(inclusion(log.entries[0], log.inclusion(0, 1), log.checkpoint(1))).toEqual([]);
    expect(log.inclusion(0, 1).hashes).toEqual([]);
  });

  it.each([
    ['truncated', (h: string[]) => h.slice(0, -1)],
    ['with the first hash dropped', (h: string[]) => h.slice(1)],
    ['extended', (h: string[]) => [...h, h[0]]],
    ['extended with a zero hash', (h: string[]) => [...h, Buffer.alloc(32).toString('base64')]],
    ['reordered', (h: string[]) => [h[1], h[0], ...h.slice(2)]],
    ['reversed', (h: string[]) => [...h].reverse()],
    ['empty', () => []],
  ])('fails a path that is %s', (_, edit) => {
    const proof = { ...log.inclusion(13, 37), hashes: edit(hashesOf(13, 37)) };
    expect(inclusion(log.entries[13], proof, log.checkpoint(37))).toEqual(['inclusion']);
  });

  it('fails a path with any single hash changed', () => {
    const hashes = hashesOf(22, 37);
    for (let k = 0; k < hashes.length; k++) {
      const changed = [...hashes];
      const bytes = Buffer.from(changed[k], 'base64');
      bytes[31] ^= 1;
      changed[k] = bytes.toString('base64');
      const proof = { ...log.inclusion(22, 37), hashes: changed };
      expect(inclusion(log.entries[22], proof, log.checkpoint(37))).toEqual(['inclusion']);
    }
  });

  it('fails the path of another index, whatever the proof says its index is', () => {
    const other = log.inclusion(14, 37);
    expect(inclusion(log.entries[13], other, log.checkpoint(37))).toEqual([
      'proof leaf hash',
      'proof index',
      'inclusion',
    ]);
    const relabelled = { ...other, logIndex: 13, leafHash: log.entries[13].leafHash };
    expect(inclusion(log.entries[13], relabelled, log.checkpoint(37))).toEqual(['inclusion']);
  });

  it('fails an entry whose body claims another index than its place in the log', () => {
    const moved = signEntry({ ...log.entries[13].body, logIndex: 12 }, log.newKey);
    const proof = { ...log.inclusion(12, 37), leafHash: moved.leafHash };
    expect(inclusion(moved, proof, log.checkpoint(37))).toEqual(['inclusion']);
  });

  it('fails an index equal to the tree size, and any index in the empty tree', () => {
    const atSize = { ...log.inclusion(19, 20), logIndex: 20, leafHash: log.entries[20].leafHash };
    const checks = verifyInclusionProof(log.entries[20], atSize, log.checkpoint(20), log.jwks);
    expect(failed(checks)).toEqual(['inclusion']);
    expect(checks.at(-1)?.detail).toMatch(/not below the tree size 20/);

    const empty = { logIndex: 0, treeSize: 0, leafHash: log.entries[0].leafHash, hashes: [] };
    expect(inclusion(log.entries[0], empty, log.checkpoint(0))).toEqual(['inclusion']);
  });

  it('fails the tree of one leaf with a path that is not empty', () => {
    const proof = { ...log.inclusion(0, 1), hashes: [log.entries[1].leafHash] };
    expect(inclusion(log.entries[0], proof, log.checkpoint(1))).toEqual(['inclusion']);
  });

  it('fails a proof made for another tree size than the checkpoint', () => {
    expect(inclusion(log.entries[5], log.inclusion(5, 36), log.checkpoint(37))).toEqual([
      'proof tree size',
      'inclusion',
    ]);
  });

  it('fails a checkpoint of another tenant, even one signed by the same key', () => {
    const note = log.checkpoint(37, { origin: originOf(OTHER_TENANT) });
    expect(inclusion(log.entries[5], log.inclusion(5, 37), note)).toEqual(['checkpoint tenant']);
  });

  it('fails a checkpoint signed by a key outside the set', () => {
    const note = log.checkpoint(37, { key: newKey(ROTATION) });
    expect(inclusion(log.entries[5], log.inclusion(5, 37), note)).toEqual(['checkpoint signature']);
  });

  it.each([
    ['not an object', null],
    ['a string index', { ...log.inclusion(5, 37), logIndex: '5' }],
    ['a negative size', { ...log.inclusion(5, 37), treeSize: -37 }],
    ['an unpadded hash', { ...log.inclusion(5, 37), hashes: [hashesOf(5, 37)[0].slice(0, -1)] }],
    ['a short hash', { ...log.inclusion(5, 37), hashes: [Buffer.alloc(31).toString('base64')] }],
    ['hashes as a string', { ...log.inclusion(5, 37), hashes: 'abc' }],
    ['200 hashes', { ...log.inclusion(5, 37), hashes: Array(200).fill(hashesOf(5, 37)[0]) }],
  ])('fails a proof that is %s', (_, proof) => {
    const names = inclusion(log.entries[5], proof, log.checkpoint(37));
    expect(names[0]).toBe('proof format');
    expect(names).toContain('inclusion');
  });
});

describe('verifyConsistencyProof', () => {
  const consistency = (proof: unknown, oldNote: string, newNote: string) =>
    failed(verifyConsistencyProof(proof, oldNote, newNote, log.jwks));
  const hashesOf = (m: number, n: number) => log.consistency(m, n).hashes as string[];

  it('passes every older size of the log against 37, and pairs of smaller sizes', () => {
    for (let m = 0; m <= 37; m++) {
      expect(consistency(log.consistency(m, 37), log.checkpoint(m), log.checkpoint(37))).toEqual(
        [],
      );
    }
    for (const [m, n] of [
      [0, 1],
      [1, 1],
      [1, 2],
      [3, 7],
      [4, 8],
      [7, 16],
      [16, 17],
    ]) {
      expect(consistency(log.consistency(m, n), log.checkpoint(m), log.checkpoint(n))).toEqual([]);
    }
  });

  it.each([
    ['truncated', (h: string[]) => h.slice(0, -1)],
    ['extended', (h: string[]) => [...h, h[0]]],
    ['reordered', (h: string[]) => [h[1], h[0], ...h.slice(2)]],
    ['empty', () => []],
  ])('fails a proof that is %s', (_, edit) => {
    expect(hashesOf(13, 37).length).toBeGreaterThan(2);
    const proof = { ...log.consistency(13, 37), hashes: edit(hashesOf(13, 37)) };
    expect(consistency(proof, log.checkpoint(13), log.checkpoint(37))).toEqual(['consistency']);
  });

  it('fails an old size larger than the new one', () => {
    const proof = { oldSize: 37, newSize: 13, hashes: hashesOf(13, 37) };
    const checks = verifyConsistencyProof(proof, log.checkpoint(37), log.checkpoint(13), log.jwks);
    expect(failed(checks)).toEqual(['consistency']);
    expect(checks.at(-1)?.detail).toMatch(/larger/);
  });

  it('fails a proof whose sizes are not the checkpoints', () => {
    expect(consistency(log.consistency(12, 37), log.checkpoint(13), log.checkpoint(37))).toEqual([
      'proof sizes',
      'consistency',
    ]);
  });

  it('fails a fork: a new checkpoint whose tree rewrote an old entry', () => {
    const rewritten = [...log.leaves];
    rewritten[5] = Buffer.from(
      signEntry({ ...log.entries[5].body, kind: 'erasure' }, log.newKey).leafHash,
      'base64',
    );
    const note = log.checkpoint(37, { leaves: rewritten });
    expect(consistency(log.consistency(13, 37), log.checkpoint(13), note)).toEqual(['consistency']);
    const sameSize = { oldSize: 37, newSize: 37, hashes: [] };
    expect(consistency(sameSize, log.checkpoint(37), note)).toEqual(['consistency']);
    // Its own inclusion proofs do not help: the entry the auditor holds is not in it.
    const proof = log.inclusion(5, 37);
    expect(failed(verifyInclusionProof(log.entries[5], proof, note, log.jwks))).toEqual([
      'inclusion',
    ]);
  });

  it('fails checkpoints of two origins', () => {
    const other = log.checkpoint(37, { origin: originOf(OTHER_TENANT) });
    expect(consistency(log.consistency(13, 37), log.checkpoint(13), other)).toEqual([
      'same origin',
    ]);
  });

  it('fails when either checkpoint is not signed by the set', () => {
    const stranger = newKey(ROTATION);
    const unsigned = log.checkpoint(13, { key: stranger });
    expect(consistency(log.consistency(13, 37), unsigned, log.checkpoint(37))).toEqual([
      'old checkpoint signature',
    ]);
    const unsignedNew = log.checkpoint(37, { key: stranger });
    expect(consistency(log.consistency(13, 37), log.checkpoint(13), unsignedNew)).toEqual([
      'new checkpoint signature',
    ]);
  });

  it('checks the expected origin when given one', () => {
    const checks = verifyConsistencyProof(
      log.consistency(13, 37),
      log.checkpoint(13),
      log.checkpoint(37),
      log.jwks,
      originOf(OTHER_TENANT),
    );
    expect(failed(checks)).toEqual(['checkpoint origin']);
  });
});

describe('encoding', () => {
  it('reads RFC 3339 times to the nanosecond and refuses impossible ones', () => {
    expect(parseTime('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseTime('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(parseTime('1970-01-01T01:00:00+01:00')).toBe(0n);
    expect(parseTime('2024-02-29T00:00:00Z')).not.toBeNull();
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00:00',
      '2026-01-01 00:00:00Z',
    ]) {
      expect(parseTime(bad)).toBeNull();
    }
    expect(parseTime('2026-01-01T00:00:00+00:00', true)).toBeNull();
  });

  it('finds duplicate member names, however they are escaped', () => {
    expect(duplicateMemberName('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}')).toBeNull();
    expect(duplicateMemberName('{"a":1,"b":2,"a":3}')).toBe('a');
    expect(duplicateMemberName('{"x":{"k\\"":1,"k\\u0022":2}}')).toBe('k"');
    expect(duplicateMemberName('{"s":"{\\"a\\":1,\\"a\\":2}"}')).toBeNull();
    expect(duplicateMemberName('[{"a":1},{"a":1}]')).toBeNull();
  });
});
