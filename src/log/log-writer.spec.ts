import { fill, template } from 'src/log/log-writer';
import { EntryDraft, LogSlot } from 'src/log/log.types';
import { canonicalJson } from 'src/evidence-format/canonical-json';

const id = '0b6f3a52-8d1e-4f7a-9c2b-3e4d5f6a7b8c';
const tenantId = '5a1c2e3f-4b5d-4e6f-8a7b-9c0d1e2f3a4b';

function draft(extra: Record<string, unknown>): EntryDraft {
  return {
    kind: 'review',
    body: (slot: LogSlot) => ({
      schemaVersion: 1,
      kind: 'review',
      id: slot.id,
      tenant: slot.tenantId,
      logIndex: slot.logIndex,
      time: slot.time,
      ...extra,
    }),
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
      const slot = { id, tenantId, logIndex, time };
      expect(fill(pieces!, logIndex, time)).toBe(canonicalJson(d.body(slot)));
    }
  });

  it('falls back (null) when a stand-in could be ambiguous', () => {
    expect(template(draft({ seed: Number.MAX_SAFE_INTEGER }), id, tenantId)).toBeNull();
    const twice: EntryDraft = {
      kind: 'review',
      body: (slot) => ({ logIndex: slot.logIndex, again: slot.logIndex, time: slot.time }),
    };
    expect(template(twice, id, tenantId)).toBeNull();
  });
});
