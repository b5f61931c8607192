import { Invocation, parseArgs, SigningKeyServices, usage, UsageError } from 'src/cli/commands';
import { PublicSigningKey } from 'src/signing/signing-key-provider';

const NOW = new Date('2026-06-01T12:00:00Z');
const key = (kid: string, from: string, until: string | null): PublicSigningKey => ({
  kid,
  publicKey: Buffer.alloc(32),
  validFrom: new Date(from),
  validUntil: until === null ? null : new Date(until),
});

function signingKeys(argv: string[]): Extract<Invocation, { kind: 'signing-keys' }> {
  const parsed = parseArgs(argv, NOW);
  if (parsed.kind !== 'signing-keys') throw new Error(`expected a key command, got ${parsed.kind}`);
  return parsed;
}

/** A key ring that records the rotation it was asked for. */
function fakeRing() {
  const rotations: Date[] = [];
  let keys = [key('old-kid', '2026-01-01T00:00:00Z', null)];
  const ring: SigningKeyServices = {
    keys: () => Promise.resolve(keys),
    rotate: (at) => {
      rotations.push(at);
      const added = key('new-kid', at.toISOString(), null);
      keys = [{ ...keys[0], validUntil: at }, added];
      return Promise.resolve(added);
    },
  };
  return { ring, rotations };
}

describe('signing key commands', () => {
  it('lists the keys with their status, as text and JSON', async () => {
    const { ring } = fakeRing();
    const output = await signingKeys(['signing-key:list', '--json']).run(ring);
    expect(output.json).toEqual({
      keys: [
        {
          kid: 'old-kid',
          status: 'current',
          validFrom: '2026-01-01T00:00:00.000Z',
          validUntil: null,
        },
      ],
    });
    expect(output.text).toMatch(/1 signing key .*\n {2}old-kid {2}current/);
  });

  it('schedules a rotation 30 s ahead by default, so running processes switch together', async () => {
    const { ring, rotations } = fakeRing();
    const output = await signingKeys(['signing-key:rotate']).run(ring);
    expect(rotations).toEqual([new Date(NOW.getTime() + 30_000)]);
    expect(output.json).toMatchObject({
      added: { kid: 'new-kid', status: 'scheduled', validFrom: '2026-06-01T12:00:30.000Z' },
      keys: [{ kid: 'old-kid', status: 'current', validUntil: '2026-06-01T12:00:30.000Z' }, {}],
    });
    expect(output.text).toContain('Added signing key new-kid; it signs from 2026-06-01T12:00:30');
  });

  it('rotates at once with --delay 0', async () => {
    const { ring, rotations } = fakeRing();
    const output = await signingKeys(['signing-key:rotate', '--delay', '0']).run(ring);
    expect(rotations).toEqual([NOW]);
    expect(output.json).toMatchObject({
      keys: [{ status: 'retired' }, { status: 'current' }],
    });
  });

  it('shows the first key as current even when this command created it a moment ago', async () => {
    const created = key('first-kid', new Date(NOW.getTime() + 5).toISOString(), null);
    const ring: SigningKeyServices = {
      keys: () => Promise.resolve([created]),
      rotate: () => Promise.reject(new Error('not called')),
    };
    const output = await signingKeys(['signing-key:list']).run(ring);
    expect(output.json).toMatchObject({ keys: [{ kid: 'first-kid', status: 'current' }] });
  });

  it.each([['-1'], ['1.5'], ['soon'], ['86401']])('refuses --delay %s', (delay) => {
    expect(() => parseArgs(['signing-key:rotate', '--delay', delay], NOW)).toThrow(UsageError);
  });

  it('appears in the usage text', () => {
    expect(usage()).toContain('signing-key:rotate [--delay SECONDS] [--json]');
    expect(usage()).toContain('signing-key:list [--json]');
  });
});
