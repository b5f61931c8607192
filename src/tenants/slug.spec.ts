import { isSlug, slugify } from 'src/tenants/slug';

describe('slugify', () => {
  it.each([
    ["St Mary's Hospital (North)", 'st-marys-hospital-north'],
    ['  Banque Crédit Agricole  ', 'banque-credit-agricole'],
    ['ACME -- Bank', 'acme-bank'],
  ])('%s → %s', (name, slug) => {
    expect(slugify(name)).toBe(slug);
    expect(isSlug(slug)).toBe(true);
  });

  it('rejects what the database constraint rejects', () => {
    expect(isSlug('a')).toBe(false);
    expect(isSlug('-leading')).toBe(false);
    expect(isSlug('Upper')).toBe(false);
    expect(isSlug('x'.repeat(64))).toBe(false);
    expect(slugify('!!!')).toBe('');
  });
});
