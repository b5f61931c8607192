import {
  generatePassword,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from 'src/users/passwords';

describe('passwords', () => {
  it('hashes with argon2id and verifies only the same password', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything at all')).toBe(false);
  });

  it('enforces length, variety and not containing the email name', () => {
    expect(passwordProblem('short-pass1')).toMatch(/at least 12/);
    expect(passwordProblem('a'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('abababababab')).toMatch(/too few different/);
    expect(passwordProblem('jane.doe-is-great', { email: 'Jane.Doe@example.org' })).toMatch(
      /email name/,
    );
    expect(passwordProblem('a perfectly fine passphrase')).toBeUndefined();
  });

  it('generates one-time passwords that pass its own policy and differ each time', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[a-zA-Z2-9]{5}-[a-zA-Z2-9]{5}-[a-zA-Z2-9]{5}-[a-zA-Z2-9]{5}$/);
    expect(passwordProblem(a)).toBeUndefined();
    expect(generatePassword()).not.toBe(a);
  });
});
