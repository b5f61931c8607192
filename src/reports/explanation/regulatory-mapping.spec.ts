import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OBLIGATION_IDS } from './explanation.types';
import {
  REGULATORY_MAPPING_FILE,
  RegulatoryMappingError,
  loadRegulatoryMapping,
} from './regulatory-mapping';

describe('loadRegulatoryMapping', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'regulatory-mapping-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const template = () =>
    JSON.parse(readFileSync(REGULATORY_MAPPING_FILE, 'utf8')) as {
      entries: Record<string, unknown>[];
    } & Record<string, unknown>;
  const load = (content: unknown) => {
    const file = join(dir, 'mapping.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return () => loadRegulatoryMapping(file);
  };

  it('loads the template: one entry per obligation, every column filled', () => {
    const mapping = loadRegulatoryMapping();
    expect(mapping.entries.map((e) => e.id)).toEqual([...OBLIGATION_IDS]);
    for (const e of mapping.entries) {
      for (const text of [e.citation, e.asks, e.provides, e.deployerResponsibility]) {
        expect(text.length).toBeGreaterThan(20);
      }
    }
    expect(JSON.stringify(mapping)).not.toMatch(/complies|compliant/i);
  });

  it('rejects a file that is not JSON', () => {
    expect(load('{ "entries": [')).toThrow(RegulatoryMappingError);
    expect(load('{ "entries": [')).toThrow(/cannot read JSON/);
  });

  it.each([
    [
      'a missing obligation',
      (t: ReturnType<typeof template>) => t.entries.pop(),
      /no entry for "reg-b-1002-9"/,
    ],
    [
      'a duplicate',
      (t: ReturnType<typeof template>) => t.entries.push({ ...t.entries[0] }),
      /appears twice/,
    ],
    [
      'an unknown field',
      (t: ReturnType<typeof template>) => (t.entries[1].notes = 'x'),
      /entries\[1\]\.notes: unknown field/,
    ],
    [
      'an empty column',
      (t: ReturnType<typeof template>) => (t.entries[2].asks = ' '),
      /entries\[2\]\.asks: must be a non-empty string/,
    ],
    [
      'an unknown id',
      (t: ReturnType<typeof template>) => (t.entries[3].id = 'dora-art-9'),
      /unknown obligation "dora-art-9"/,
    ],
    [
      'a label that differs',
      (t: ReturnType<typeof template>) => (t.entries[0].label = 'Art. 12'),
      /entries\[0\]\.label: must be/,
    ],
    [
      'a compliance claim',
      (t: ReturnType<typeof template>) =>
        (t.entries[4].provides = 'The service complies with Art. 22.'),
      /must not claim compliance \("complies"\)/,
    ],
    [
      'entries that are not a list',
      (t: ReturnType<typeof template>) => (t.entries = {} as never),
      /entries: must be an array/,
    ],
    [
      'no intro',
      (t: ReturnType<typeof template>) => delete t.intro,
      /intro: must be a non-empty string/,
    ],
  ])('rejects %s', (_, change, message) => {
    const t = template();
    change(t);
    expect(load(t)).toThrow(RegulatoryMappingError);
    expect(load(t)).toThrow(message);
  });
});
