import { isUuid, UUID, UUID_PATTERN } from 'src/evidence-format/ids';

describe('ids', () => {
  const id = '123e4567-e89b-42d3-a456-426614174000';

  it('the schema pattern takes lower-case UUIDs only', () => {
    const pattern = new RegExp(UUID_PATTERN);
    expect(pattern.test(id)).toBe(true);
    expect(pattern.test(id.toUpperCase())).toBe(false);
  });

  it('UUID and isUuid take either case', () => {
    expect(UUID.test(id.toUpperCase())).toBe(true);
    expect([
      isUuid(id),
      isUuid(id.toUpperCase()),
      isUuid('123E4567-e89b-42D3-a456-426614174000'),
    ]).toEqual([true, true, true]);
  });

  it.each([
    ['the nil UUID', '00000000-0000-0000-0000-000000000000', true],
    ['the max UUID', 'ffffffff-ffff-ffff-ffff-ffffffffffff', true],
    ['no hyphens', '123e4567e89b42d3a456426614174000', false],
    ['braces', '{123e4567-e89b-42d3-a456-426614174000}', false],
    ['a URN', 'urn:uuid:123e4567-e89b-42d3-a456-426614174000', false],
    ['a group one digit short', '123e4567-e89b-42d3-a456-42661417400', false],
    ['a group one digit long', '123e4567-e89b-42d3-a456-4266141740000', false],
    ['a non-hex digit', '123e4567-e89b-42d3-a456-42661417400g', false],
    ['a trailing newline', `${id}\n`, false],
    ['a leading space', ` ${id}`, false],
    ['the empty string', '', false],
  ])('%s: %s', (_what, value, ok) => {
    expect(isUuid(value)).toBe(ok);
    expect(new RegExp(UUID_PATTERN).test(value)).toBe(ok);
  });

  it.each([[null], [undefined], [123], [{ id }], [[id]]])('isUuid(%p) is false', (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
