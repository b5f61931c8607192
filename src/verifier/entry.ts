import { canonicalJsonOfParsed } from 'src/evidence-format/canonical-json';
import { verifyEd25519 } from 'src/evidence-format/checkpoint';
import { isUuid } from 'src/evidence-format/ids';
import { leafHash } from 'src/evidence-format/merkle';
import { fail, isIndex, isObject, notChecked, pass, type Check } from 'src/verifier/checks';
import { decodeBase64, decodeHash, parseTime } from 'src/verifier/encoding';
import { keySetCheck, keyWindowCheck, type KeySet } from 'src/verifier/key-set';

/**
 * A signed entry as the API returns it: the record body, its leaf hash
 * SHA-256(0x00 ‖ RFC 8785 canonical body), and an Ed25519 signature over the 32 leaf-hash bytes
 * by the key `keyId`. Only a few body members matter here; the rest are opaque but hashed, so a
 * change to any of them changes the leaf.
 */
export interface SignedEntry {
  body: Record<string, unknown>;
  leafHash: string;
  signature: string;
  keyId: string;
}

/** The body members the verifier reads, once they have passed the `body fields` check. */
export interface EntryFacts {
  id: string;
  kind: string;
  tenant: string;
  logIndex: number;
  time: string;
}

/** What verifying one entry established, for the checks that build on it (inclusion). */
export interface EntryResult {
  checks: Check[];
  /** The leaf hash recomputed from the body, or null when the body cannot be hashed. */
  leaf: Buffer | null;
  facts: EntryFacts | null;
}

const KINDS = ['record', 'review', 'erasure', 'access'];

/** `id=… logIndex=… tenant=…` for messages, from whatever the entry holds. */
export function describeEntry(entry: unknown): string {
  const body = isObject(entry) && isObject(entry.body) ? entry.body : {};
  const show = (value: unknown) =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : '?';
  return `id=${show(body.id)} logIndex=${show(body.logIndex)} tenant=${show(body.tenant)}`;
}

/**
 * Verifies one signed entry against a key set: its shape, the body members the log relies on,
 * the leaf hash recomputed from the canonical body, the signing key (present, and named by its
 * thumbprint), the key's validity window at the body's time, and the signature.
 * `canonicalBody` is the body's canonical text when the caller already has it (a package line
 * found canonical as a whole, whose body member is that text), so it is not serialised again.
 */
export function verifyEntry(entry: unknown, keySet: KeySet, canonicalBody?: string): EntryResult {
  const checks: Check[] = [];
  if (!isSignedEntry(entry)) {
    const why = 'the entry is not { body: object, leafHash, signature, keyId: strings }';
    checks.push(fail('entry format', why), keySetCheck(keySet));
    for (const name of ['body fields', 'leaf hash', 'signing key', 'key window', 'signature']) {
      checks.push(notChecked(name, 'the entry is malformed'));
    }
    return { checks, leaf: null, facts: null };
  }
  checks.push(pass('entry format', describeEntry(entry)));

  const problems = bodyProblems(entry.body);
  const facts = problems.length === 0 ? (entry.body as unknown as EntryFacts) : null;
  checks.push(
    facts
      ? pass('body fields', `kind ${facts.kind}, time ${facts.time}`)
      : fail('body fields', problems.join('; ')),
  );

  const leaf = canonicalLeaf(entry.body, canonicalBody);
  checks.push(leafCheck(entry, leaf));
  checks.push(keySetCheck(keySet));
  checks.push(...keyChecks(entry, keySet, leaf, facts));
  return { checks, leaf: leaf.hash, facts };
}

function isSignedEntry(entry: unknown): entry is SignedEntry {
  return (
    isObject(entry) &&
    isObject(entry.body) &&
    typeof entry.leafHash === 'string' &&
    typeof entry.signature === 'string' &&
    typeof entry.keyId === 'string'
  );
}

function bodyProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (body.schemaVersion !== 1)
    problems.push(`schemaVersion is ${show(body.schemaVersion)}, not 1`);
  if (typeof body.kind !== 'string' || !KINDS.includes(body.kind)) {
    problems.push(`kind ${show(body.kind)} is not one of ${KINDS.join(', ')}`);
  }
  if (typeof body.id !== 'string' || body.id === '') problems.push('id is not a non-empty string');
  if (!isUuid(body.tenant)) {
    problems.push(`tenant ${show(body.tenant)} is not a UUID`);
  }
  if (!isIndex(body.logIndex)) {
    problems.push(`logIndex ${show(body.logIndex)} is not an integer ≥ 0`);
  }
  if (parseTime(body.time, true) === null) {
    problems.push(`time ${show(body.time)} is not an RFC 3339 UTC time (…Z)`);
  }
  return problems;
}

function canonicalLeaf(
  body: Record<string, unknown>,
  canonicalBody: string | undefined,
): { hash: Buffer | null; error?: string } {
  try {
    // Bodies come from JSON.parse (files, package lines): the fast path serialises them exactly.
    const text = canonicalBody ?? canonicalJsonOfParsed(body);
    return { hash: leafHash(Buffer.from(text, 'utf8')) };
  } catch (error) {
    // A lone surrogate in a string has no canonical form.
    return { hash: null, error: error instanceof Error ? error.message : String(error) };
  }
}

function leafCheck(entry: SignedEntry, leaf: { hash: Buffer | null; error?: string }): Check {
  if (leaf.hash === null) return fail('leaf hash', `the body has no canonical form: ${leaf.error}`);
  const stated = decodeHash(entry.leafHash);
  const computed = leaf.hash.toString('base64');
  if (stated === null) return fail('leaf hash', 'leafHash is not 32 bytes of padded base64');
  if (!stated.equals(leaf.hash)) {
    return fail(
      'leaf hash',
      `the canonical body hashes to ${computed}, not to the stated ${entry.leafHash}: the body was changed`,
    );
  }
  return pass('leaf hash', `SHA-256(0x00 ‖ canonical body) = ${computed}`);
}

function keyChecks(
  entry: SignedEntry,
  keySet: KeySet,
  leaf: { hash: Buffer | null },
  facts: EntryFacts | null,
): Check[] {
  const key = keySet.keys.find((k) => k.kid === entry.keyId);
  if (!key) {
    const refused = keySet.refused.find((r) => r.kid === entry.keyId);
    const why = refused
      ? `key ${entry.keyId} is refused: ${refused.reason}`
      : `no key ${entry.keyId} in the key set`;
    return [
      fail('signing key', why),
      notChecked('key window', 'no usable signing key'),
      notChecked('signature', 'no usable signing key'),
    ];
  }
  const checks = [pass('signing key', `${key.kid} (kid = RFC 7638 thumbprint)`)];
  checks.push(
    facts ? keyWindowCheck(key, facts.time) : notChecked('key window', 'the body time is unusable'),
  );
  checks.push(signatureCheck(entry, key.raw, leaf.hash));
  return checks;
}

function signatureCheck(entry: SignedEntry, rawKey: Buffer, leaf: Buffer | null): Check {
  const signature = decodeBase64(entry.signature);
  if (signature === null || signature.length !== 64) {
    return fail('signature', 'signature is not 64 bytes of padded base64');
  }
  if (leaf === null) return notChecked('signature', 'the body cannot be hashed');
  if (verifyEd25519(leaf, signature, rawKey)) {
    return pass('signature', `Ed25519 by ${entry.keyId} over the leaf hash`);
  }
  const stated = decodeHash(entry.leafHash);
  if (stated !== null && !stated.equals(leaf) && verifyEd25519(stated, signature, rawKey)) {
    return fail(
      'signature',
      'the signature is valid for the stated leaf hash, but the body does not hash to it',
    );
  }
  return fail('signature', `not a valid Ed25519 signature by ${entry.keyId} over the leaf hash`);
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'missing' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
