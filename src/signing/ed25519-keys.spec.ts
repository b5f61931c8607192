import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import {
  ed25519Jwk,
  jwkThumbprint,
  publicKeyObject,
  rawPublicKeyOf,
  spkiPem,
} from 'src/signing/ed25519-keys';

// RFC 8037 appendix A: the Ed25519 test key, its thumbprint (A.3) and a JWS signed with it (A.4).
const RFC8037_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
const RFC8037_THUMBPRINT = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';
const RFC8037_SIGNING_INPUT = 'eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc';
const RFC8037_SIGNATURE =
  'hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg';

/** RFC 7638 section 3, written out independently: required members, sorted, no white space. */
function thumbprintOfJwk(jwk: Record<string, unknown>): string {
  const required = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  const json = JSON.stringify(
    Object.fromEntries(Object.entries(required).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
  return createHash('sha256').update(json).digest('base64url');
}

describe('Ed25519 key forms', () => {
  const raw = Buffer.from(RFC8037_X, 'base64url');

  it('computes the RFC 8037 A.3 thumbprint of the RFC test key', () => {
    expect(jwkThumbprint(raw)).toBe(RFC8037_THUMBPRINT);
  });

  it('gives a kid equal to the thumbprint computed from the exported JWK', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const kid = jwkThumbprint(rawPublicKeyOf(publicKey));
    expect(kid).toBe(thumbprintOfJwk(jwk));
    expect(kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ed25519Jwk(rawPublicKeyOf(publicKey))).toEqual({ ...jwk });
  });

  it('turns the raw RFC key into SPKI forms that verify the RFC 8037 A.4 signature', () => {
    const message = Buffer.from(RFC8037_SIGNING_INPUT);
    const signature = Buffer.from(RFC8037_SIGNATURE, 'base64url');
    expect(verify(null, message, publicKeyObject(raw), signature)).toBe(true);
    expect(verify(null, message, createPublicKey(spkiPem(raw)), signature)).toBe(true);
    const jwkKey = createPublicKey({ key: { ...ed25519Jwk(raw) }, format: 'jwk' });
    expect(verify(null, message, jwkKey, signature)).toBe(true);
    expect(rawPublicKeyOf(jwkKey).equals(raw)).toBe(true);
    signature[0] ^= 1;
    expect(verify(null, message, publicKeyObject(raw), signature)).toBe(false);
  });

  it('writes PEM that openssl-style parsers read, in 64-character lines', () => {
    const pem = spkiPem(raw);
    expect(pem).toMatch(
      /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=]{60}\n-----END PUBLIC KEY-----\n$/,
    );
    expect(createPublicKey(pem).export({ format: 'jwk' }).x).toBe(RFC8037_X);
  });

  it('refuses a public key of the wrong length', () => {
    expect(() => jwkThumbprint(Buffer.alloc(31))).toThrow(/32 bytes, got 31/);
  });
});
