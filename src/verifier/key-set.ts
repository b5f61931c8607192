import { createHash } from 'node:crypto';
import { decodeBase64Url, parseTime } from 'src/verifier/encoding';
import { fail, isObject, pass, type Check } from 'src/verifier/checks';

/**
 * The signing keys an auditor is given, as the service publishes them at
 * /.well-known/jwks.json: Ed25519 keys in the OKP form of RFC 8037, each with a validity window
 * (`validFrom`, optional `validUntil`) because keys rotate and a record counts only when it was
 * signed by a key that was in service at the record's time.
 *
 * The key ID is the RFC 7638 thumbprint of the key, which the verifier recomputes: a key set in
 * which a kid does not name its own key has been edited, and that key is refused.
 */
export interface VerifierKey {
  kid: string;
  /** The 32-byte Ed25519 public key. */
  raw: Buffer;
  validFrom: string;
  validUntil?: string;
}

export interface KeySet {
  keys: VerifierKey[];
  /** Keys that were refused, with the reason; `kid` is as written (or `#n` without one). */
  refused: { kid: string; reason: string }[];
  /** Set when the document is not a key set at all. */
  error?: string;
}

/** The RFC 7638 thumbprint of an Ed25519 JWK (RFC 8037 §2): base64url SHA-256 of its members. */
export function jwkThumbprint(x: string): string {
  // RFC 7638 §3.2: the required members only, in lexicographic order, with no whitespace.
  // JSON.stringify writes exactly that for these three string members.
  const members = JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x });
  return createHash('sha256').update(members, 'utf8').digest('base64url');
}

/** Reads a JWKS document, keeping the well-formed keys and saying why the others were refused. */
export function parseKeySet(document: unknown): KeySet {
  if (!isObject(document) || !Array.isArray(document.keys)) {
    return { keys: [], refused: [], error: 'not a JWKS document ({ "keys": [...] })' };
  }
  const keys: VerifierKey[] = [];
  const refused: KeySet['refused'] = [];
  const seen = new Set<string>();
  const entries: unknown[] = document.keys;
  for (const [i, jwk] of entries.entries()) {
    const label = isObject(jwk) && typeof jwk.kid === 'string' ? jwk.kid : `#${i}`;
    const reason = refusal(jwk);
    if (reason !== null) {
      refused.push({ kid: label, reason });
      continue;
    }
    const key = jwk as JwkFields;
    if (seen.has(key.kid)) {
      refused.push({ kid: label, reason: 'kid appears twice' });
      continue;
    }
    seen.add(key.kid);
    keys.push({
      kid: key.kid,
      raw: decodeBase64Url(key.x)!,
      validFrom: key.validFrom,
      ...(key.validUntil === undefined ? {} : { validUntil: key.validUntil }),
    });
  }
  return { keys, refused };
}

/** The `key set` check: every key in the set is well formed and named by its thumbprint. */
export function keySetCheck(keySet: KeySet): Check {
  if (keySet.error !== undefined) return fail('key set', keySet.error);
  if (keySet.refused.length > 0) {
    const why = keySet.refused.map((r) => `${r.kid}: ${r.reason}`).join('; ');
    return fail('key set', `refused ${keySet.refused.length} key(s): ${why}`);
  }
  if (keySet.keys.length === 0) return fail('key set', 'the key set has no keys');
  return pass('key set', `${keySet.keys.length} Ed25519 key(s), each kid its RFC 7638 thumbprint`);
}

/** The `key window` check: validFrom ≤ time < validUntil (no validUntil: still in service). */
export function keyWindowCheck(key: VerifierKey, time: string): Check {
  const at = parseTime(time, true);
  const from = parseTime(key.validFrom);
  const until = key.validUntil === undefined ? null : parseTime(key.validUntil);
  const window = `[${key.validFrom}, ${key.validUntil ?? 'open'})`;
  if (at === null || from === null) return fail('key window', 'unreadable time');
  if (at < from) return fail('key window', `time ${time} is before the key's validFrom ${window}`);
  if (until !== null && at >= until) {
    return fail('key window', `time ${time} is not before the key's validUntil ${window}`);
  }
  return pass('key window', `time ${time} is within ${window} of key ${key.kid}`);
}

interface JwkFields {
  kid: string;
  x: string;
  validFrom: string;
  validUntil?: string;
}

/** Why a JWK is refused, or null when it is a usable Ed25519 verification key. */
function refusal(jwk: unknown): string | null {
  if (!isObject(jwk)) return 'not a JSON object';
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519')
    return 'not an Ed25519 key (kty OKP, crv Ed25519)';
  if ('d' in jwk) return 'contains a private key (d)';
  const raw = decodeBase64Url(jwk.x);
  if (raw === null || raw.length !== 32) return 'x is not 32 bytes of unpadded base64url';
  if (jwk.use !== undefined && jwk.use !== 'sig')
    return `use is ${JSON.stringify(jwk.use)}, not sig`;
  if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') {
    return `alg is ${JSON.stringify(jwk.alg)}, not EdDSA`;
  }
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return 'has no kid';
  const thumbprint = jwkThumbprint(jwk.x as string);
  if (jwk.kid !== thumbprint) return `kid is not the key's RFC 7638 thumbprint ${thumbprint}`;
  if (parseTime(jwk.validFrom) === null) return 'validFrom is not an RFC 3339 time';
  if (jwk.validUntil !== undefined && parseTime(jwk.validUntil) === null) {
    return 'validUntil is not an RFC 3339 time';
  }
  return null;
}
