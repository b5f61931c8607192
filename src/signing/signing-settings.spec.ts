import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SigningPassphraseRequiredError } from 'src/signing/signing.errors';
import { resolveSigningKeySettings } from 'src/signing/signing-settings';

describe('resolveSigningKeySettings', () => {
  let dataDir: string;
  let warnings: string[];
  const warn = (message: string) => warnings.push(message);
  const base = () => ({
    DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    SIGNING_KEY_FILE: undefined,
    SIGNING_KEY_PASSPHRASE: undefined,
  });

  beforeEach(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'signing-settings-')), 'data');
    warnings = [];
  });
  afterEach(() => rmSync(join(dataDir, '..'), { recursive: true, force: true }));

  it('uses a configured passphrase as is, with the key file in DATA_DIR by default', async () => {
    const settings = await resolveSigningKeySettings(
      {
        ...base(),
        SIGNING_KEY_PASSPHRASE: 'a configured passphrase',
        DATABASE_URL: 'postgres://x',
      },
      warn,
    );
    expect(settings).toEqual({
      file: join(dataDir, 'signing-keys.json'),
      passphrase: 'a configured passphrase',
      passphraseFile: null,
    });
    expect(warnings).toEqual([]);
  });

  it('uses SIGNING_KEY_FILE when set', async () => {
    const settings = await resolveSigningKeySettings(
      {
        ...base(),
        SIGNING_KEY_FILE: '/etc/audit/keys.json',
        SIGNING_KEY_PASSPHRASE: 'x'.repeat(16),
      },
      warn,
    );
    expect(settings.file).toBe('/etc/audit/keys.json');
  });

  it('refuses to start with DATABASE_URL and no passphrase, saying what to set', async () => {
    const attempt = resolveSigningKeySettings({ ...base(), DATABASE_URL: 'postgres://db/x' }, warn);
    await expect(attempt).rejects.toThrow(SigningPassphraseRequiredError);
    await expect(attempt).rejects.toThrow(/SIGNING_KEY_PASSPHRASE must be set when DATABASE_URL/);
    expect(() => statSync(join(dataDir, 'signing-key-passphrase'))).toThrow(/ENOENT/);
  });

  it('generates a private passphrase once on the embedded default, and warns', async () => {
    const first = await resolveSigningKeySettings(base(), warn);
    const file = join(dataDir, 'signing-key-passphrase');
    expect(first.passphraseFile).toBe(file);
    expect(first.passphrase.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.passphrase);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/generated into .*production must set SIGNING_KEY_PASSPHRASE/);

    const again = await resolveSigningKeySettings(base(), warn);
    expect(again.passphrase).toBe(first.passphrase);
    expect(warnings[1]).toMatch(/read from/);
  });

  it('gives processes starting together the same generated passphrase', async () => {
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => resolveSigningKeySettings(base(), warn)),
    );
    expect(new Set(results.map((r) => r.passphrase)).size).toBe(1);
  });

  it('refuses a passphrase file that holds too little', async () => {
    await resolveSigningKeySettings(base(), warn);
    writeFileSync(join(dataDir, 'signing-key-passphrase'), 'short\n');
    await expect(resolveSigningKeySettings(base(), warn)).rejects.toThrow(
      /signing-key-passphrase holds no usable passphrase/,
    );
  });
});
