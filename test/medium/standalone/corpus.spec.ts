import { createHash } from 'node:crypto';
import {
  buildCorpus,
  CorpusBuild,
  corpusOptions,
  DEFAULT_CORPUS_OPTIONS,
  VERSION_1_SOURCES,
} from 'training/corpus/build-corpus';
import { CANARIES } from 'training/corpus/canaries';

// The real sources from node_modules, built twice: reproducible, split by document, canaries
// where they belong and nowhere else.

describe('the training corpus', () => {
  let build: CorpusBuild;
  beforeAll(() => {
    build = buildCorpus(DEFAULT_CORPUS_OPTIONS);
  });

  it('has five named sources of several MB, each with package, version and licence', () => {
    expect(build.sources.map((s) => s.name)).toEqual([
      'sotu',
      'factbook',
      'spdx',
      'wordnet',
      'fhir',
    ]);
    for (const s of build.sources) {
      expect(s.package).toBeTruthy();
      expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(s.licence.length).toBeGreaterThan(10);
      expect(s.chunks).toBeGreaterThan(1000);
    }
    expect(build.sources.reduce((n, s) => n + s.characters, 0)).toBeGreaterThan(8_000_000);
  });

  it('is byte-for-byte the same when built again', () => {
    const digest = (b: CorpusBuild) =>
      createHash('sha256')
        .update(JSON.stringify([b.documents, b.chunks, b.canaries]))
        .digest('hex');
    expect(digest(buildCorpus(DEFAULT_CORPUS_OPTIONS))).toBe(digest(build));
  });

  it("keeps version 1's documents, splits and chunks when the FHIR source is added", () => {
    // Version 1's card was measured on this held-out split: adding a source must not move it.
    const v1 = buildCorpus(corpusOptions(VERSION_1_SOURCES));
    const key = (c: CorpusBuild['chunks'][number]) => `${c.id} ${c.split} ${c.sha256}`;
    const older = build.chunks.filter((c) => c.source !== 'fhir');
    expect(v1.chunks.map(key)).toEqual(older.map(key));
    expect(v1.canaries).toEqual(build.canaries);
    expect(build.chunks.length - older.length).toBeGreaterThan(1000);
  });

  it('holds out about a tenth of each source by document, never splitting one', () => {
    const splitOf = new Map(build.documents.map((d) => [d.id, d.split]));
    for (const c of build.chunks) expect(c.split).toBe(splitOf.get(c.document));
    for (const s of build.sources) {
      const docs = build.documents.filter((d) => d.source === s.name);
      const heldChars = docs
        .filter((d) => d.split === 'test')
        .reduce((n, d) => n + d.text.length, 0);
      const share = heldChars / docs.reduce((n, d) => n + d.text.length, 0);
      expect(share).toBeGreaterThanOrEqual(0.1);
      expect(share).toBeLessThan(0.2);
    }
  });

  it('gives every chunk an exact span, hash and licence, and unique ids', () => {
    const text = new Map(build.documents.map((d) => [d.id, d.text]));
    const ids = new Set<string>();
    for (const c of build.chunks) {
      expect(text.get(c.document)?.slice(c.start, c.end)).toBe(c.text);
      expect(createHash('sha256').update(c.text).digest('hex')).toBe(c.sha256);
      expect(c.licence).toBeTruthy();
      ids.add(c.id);
    }
    expect(ids.size).toBe(build.chunks.length);
  });

  it('plants each canary in exactly one training chunk of its own source', () => {
    expect(build.canaries.map((c) => c.id)).toEqual(CANARIES.map((c) => c.id));
    for (const canary of build.canaries) {
      const holders = build.chunks.filter((c) => c.text.includes(canary.text));
      expect(holders.map((c) => c.id)).toEqual([canary.chunk]);
      expect(holders[0].source).toBe(canary.source);
      expect(holders[0].split).toBe('train');
    }
  });

  it('keeps no long paragraph twice', () => {
    const seen = new Set<string>();
    for (const d of build.documents) {
      for (const p of d.text.split('\n\n')) {
        const key = p.toLowerCase().replace(/[^a-z]+/g, '');
        if (key.length < 40) continue;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
  });
});
