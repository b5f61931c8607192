import { scryptSync } from 'node:crypto';
import { derive } from 'src/signing/key-file';

// A process derives one key at a time: each scrypt holds 128 × N × r bytes while it runs, and
// the key ring and the text-key folder are opened together at start-up.
describe('derive', () => {
  const salt = Buffer.alloc(16, 7);

  it('runs derivations one after the other, in the order asked, each with its own result', async () => {
    const finished: string[] = [];
    const slow = derive('first passphrase', salt, { N: 2 ** 15, r: 8, p: 1 }).then((d) => {
      finished.push('slow');
      return d;
    });
    // Started second and far cheaper: run at once, it would finish first.
    const quick = derive('second passphrase', salt, { N: 2 ** 4, r: 8, p: 1 }).then((d) => {
      finished.push('quick');
      return d;
    });
    const [a, b] = await Promise.all([slow, quick]);
    expect(finished).toEqual(['slow', 'quick']);
    const expected = (passphrase: string, N: number) =>
      scryptSync(passphrase, salt, 64, { N, r: 8, p: 1, maxmem: 256 * N * 8 + 16 * 1024 ** 2 });
    expect(a.key).toEqual(expected('first passphrase', 2 ** 15).subarray(0, 32));
    expect(b.key).toEqual(expected('second passphrase', 2 ** 4).subarray(0, 32));
  });

  it('goes on with the next derivation after one fails', async () => {
    const failed = derive('x', salt, { N: 3, r: 8, p: 1 });
    const next = derive('y', salt, { N: 2 ** 4, r: 8, p: 1 });
    await expect(failed).rejects.toThrow();
    await expect(next).resolves.toHaveProperty('key');
  });
});
