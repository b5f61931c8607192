import {
  apiKeyMatches,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
} from 'src/applications/api-key-format';

describe('API key format', () => {
  it('generates distinct keys whose prefix and hash identify them', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).toMatch(/^iak_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(apiKeyPrefix(a.key)).toBe(a.prefix);
    expect(a.hash.equals(hashApiKey(a.key))).toBe(true);
    expect(apiKeyMatches(a.key, a.hash)).toBe(true);
    expect(apiKeyMatches(b.key, a.hash)).toBe(false);
  });

  it('refuses malformed keys and a key with one character changed', () => {
    const { key, hash } = generateApiKey();
    expect(apiKeyPrefix(`${key}x`)).toBeUndefined();
    expect(apiKeyPrefix(key.replace('iak_', 'xak_'))).toBeUndefined();
    expect(apiKeyPrefix('')).toBeUndefined();
    const last = key.at(-1) === 'A' ? 'B' : 'A';
    expect(apiKeyMatches(key.slice(0, -1) + last, hash)).toBe(false);
  });
});
