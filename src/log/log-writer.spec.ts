import { canonicalJson } from 'src/evidence-format/canonical-json';
import { fill, stamped, template } from 'src/log/log-writer';
import { EntryDraft } from 'src/log/log.types';

const id = '0b6f3a52-8d1e-4f7a-9c2b-3e4d5f6a7b8c';
const tenantId = '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b';

function draft(extra: Record<string, unknown>): EntryDraft {
  return {
    kind: 'review',
    body: { schemaVersion: 1, kind: 'review', ...extra },
  };
}

describe('entry templates (canonicalised once, index and time spliced in under the lock)', () => {
  it.each([
    [{}],
    [{ note: 'a "quoted" \\ note\n', z: [1.5, -0, 1e21], a: { b: null } }],
    [{ record: { id, logIndex: 7, leafHash: 'x' }, zeta: 'ü', aa: true }],
  ])('gives exactly the canonical text of the body with its slot (%#)', (extra) => {
    const d = draft(extra);
    const pieces = template(d, id, tenantId);
    expect(pieces).not.toBeNull();
    for (const [logIndex, time] of [
      [0, '2026-11-25T04:30:00.123Z'],
      [123456789, '1999-01-01T00:00:00.000Z'],
    ] as const) {
      const stamp = { id, tenant: tenantId, logIndex, time };
      expect(fill(pieces!, logIndex, time)).toBe(canonicalJson(stamped(d, stamp)));
    }
  });

  it('falls back (null) when a stand-in could be ambiguous', () => {
    expect(template(draft({ seed: Number.MAX_SAFE_INTEGER }), id, tenantId)).toBeNull();
    expect(template(draft({ nested: { n: Number.MAX_SAFE_INTEGER } }), id, tenantId)).toBeNull();
  });

  it('stamps over any stamp member the body carries: the log decides where an entry lands', () => {
    const forged = draft({ id: 'not-mine', tenant: 'other', logIndex: 0, time: 'then' });
    const pieces = template(forged, id, tenantId)!;
    const text = fill(pieces, 42, '2026-11-25T04:30:00.123Z');
    expect(JSON.parse(text)).toMatchObject({
      id,
      tenant: tenantId,
      logIndex: 42,
      time: '2026-11-25T04:30:00.123Z',
    });
  });
});
