import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { App } from 'supertest/types';
import { KeyRing, SigningJwkSet } from 'src/signing/key-ring.service';
import { createTestApp, TestApp } from 'test/support/test-app';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('signing keys over HTTP', () => {
  let t: TestApp;
  let http: App;
  let ring: KeyRing;
  let dir: string;
  const leaf = createHash('sha256').update('a record body').digest();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'signing-e2e-'));
    t = await createTestApp({
      runWorkers: false,
      env: {
        SIGNING_KEY_FILE: join(dir, 'signing-keys.json'),
        SIGNING_KEY_PASSPHRASE: 'an e2e signing passphrase',
      },
    });
    http = t.app.getHttpServer();
    ring = t.app.get(KeyRing);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function jwks(): Promise<SigningJwkSet> {
    const res = await request(http).get('/.well-known/jwks.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    return JSON.parse(res.text) as SigningJwkSet;
  }

  it('GET /.well-known/jwks.json serves keys that verify what the KeyRing signed', async () => {
    const { keyId, signature } = await ring.sign(leaf);
    const set = await jwks();
    const jwk = set.keys.find((k) => k.kid === keyId)!;
    expect(jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' });
    // Only what RFC 8037 defines goes to the importer; the kid is its RFC 7638 thumbprint.
    const key = createPublicKey({
      key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x },
      format: 'jwk',
    });
    expect(verify(null, leaf, key, signature)).toBe(true);
    const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}"}`;
    expect(createHash('sha256').update(canonical).digest('base64url')).toBe(keyId);
  });

  it('GET /v1/keys/:kid.pem serves the key as PEM, which openssl verifies with', async () => {
    const { keyId, signature } = await ring.sign(leaf);
    const res = await request(http).get(`/v1/keys/${keyId}.pem`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
    expect(res.text).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(verify(null, leaf, createPublicKey(res.text), signature)).toBe(true);
    if (!hasOpenssl()) return;
    writeFileSync(join(dir, 'key.pem'), res.text);
    writeFileSync(join(dir, 'leaf.bin'), leaf);
    writeFileSync(join(dir, 'leaf.sig'), signature);
    const out = execFileSync(
      'openssl',
      ['pkeyutl', '-verify', '-pubin', '-inkey', 'key.pem', '-rawin', '-in', 'leaf.bin'].concat([
        '-sigfile',
        'leaf.sig',
      ]),
      { cwd: dir, encoding: 'utf8' },
    );
    expect(out).toMatch(/Signature Verified Successfully/);
  });

  it('answers 404 naming an unknown kid', async () => {
    const kid = 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k';
    const res = await request(http).get(`/v1/keys/${kid}.pem`).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatchObject({ code: 'signing_key_not_found' });
    expect(res.body.error.message).toContain(kid);
  });

  it('publishes the retired key with its window after a rotation, and both keep verifying', async () => {
    const before = await ring.sign(leaf);
    const signedAt = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const added = await ring.rotate();
    const after = await ring.sign(leaf);
    expect(after.keyId).toBe(added.kid);
    const set = await jwks();
    const old = set.keys.find((k) => k.kid === before.keyId)!;
    expect(old.validUntil).toBe(added.validFrom.toISOString());
    expect(set.keys.find((k) => k.kid === added.kid)!.validUntil).toBeUndefined();
    for (const signed of [before, after]) {
      const jwk = set.keys.find((k) => k.kid === signed.keyId)!;
      const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, format: 'jwk' });
      expect(verify(null, leaf, key, signed.signature)).toBe(true);
    }
    expect(ring.verify(before.keyId, leaf, before.signature, signedAt)).toBe(true);
    expect(ring.verify(before.keyId, leaf, before.signature, new Date())).toBe(false);
  });
});
