import {
  decodeSignatures,
  encodeSignatures,
  SegmentSignature,
  SignatureTable,
} from 'src/model-package/signatures';
import { bigramPlace, buildIndex, Postings } from 'src/model-runtime/loaded-model';

// The training index in typed arrays must list exactly the pairs the signatures give, per list
// and in segment order: the scores of every training chunk, and the order in which ties are
// broken, are read from these lists.
describe('buildIndex', () => {
  const n = 3;
  const m = 2;
  // Eight paragraphs of four chunks, with repeated slots and bigrams, one with none at all, read
  // in place from the file format: the expected pairs are those decodeSignatures gives.
  const written: SegmentSignature[] = Array.from({ length: 8 }, (_, i) => ({
    chunk: i >> 1,
    start: 10 * i,
    end: 10 * i + 7,
    known: i === 5 ? [] : [[i % n, 0.5 + i / 20] as [number, number], [(i + 1) % n, 0.25]],
    unknown: i % 3 === 0 ? [[i % m, 0.75]] : [],
    sequence: i === 5 ? [] : [[1000 + (i % 3), 2 + i / 10] as [number, number], [7, 1.5]],
  }));
  const jsonl = Array.from({ length: 4 }, (_, c) =>
    JSON.stringify({
      chunk: `src/doc#${c}`,
      source: 'src',
      document: 'doc',
      start: 0,
      end: 1,
      licence: 'CC0-1.0',
      sha256: 'a'.repeat(64),
    }),
  ).join('\n');
  const shares = { sources: ['src'], known: [[1, 1, 1]], unknown: [[1, 1]] };
  const file = encodeSignatures(written);
  const segments = decodeSignatures(file);
  const index = buildIndex(jsonl, new SignatureTable(file), shares, n, m);

  const list = (p: Postings, i: number) =>
    Array.from({ length: p.start[i + 1] - p.start[i] }, (_, k) => [
      p.segment[p.start[i] + k],
      p.value[p.start[i] + k],
    ]);

  it('lists every concept slot’s [segment, idf-weighted weight] pairs in segment order', () => {
    for (let slot = 0; slot < n + m; slot++) {
      const expected: number[][] = [];
      segments.forEach((s, i) => {
        const entries = [...s.known, ...s.unknown.map(([id, w]) => [n + id, w])];
        for (const [at, w] of entries) if (at === slot) expected.push([i, w * index.idf[slot]]);
      });
      expect(list(index.postings, slot)).toEqual(expected);
    }
    expect(index.postings.start.at(-1)).toBe(
      segments.reduce((sum, s) => sum + s.known.length + s.unknown.length, 0),
    );
  });

  it('lists every bigram’s [segment, idf] pairs in segment order, found by binary search', () => {
    expect([...index.bigrams]).toEqual([7, 1000, 1001, 1002]);
    for (const bigram of [7, 1000, 1001, 1002]) {
      const expected: number[][] = [];
      segments.forEach((s, i) => {
        for (const [b, idf] of s.sequence) if (b === bigram) expected.push([i, idf]);
      });
      expect(list(index.bigramPostings, bigramPlace(index.bigrams, bigram))).toEqual(expected);
    }
    expect(bigramPlace(index.bigrams, 8)).toBe(-1);
    expect(bigramPlace(index.bigrams, 2000)).toBe(-1);
  });

  it('keeps each segment’s chunk and span, and its norm and bigram total', () => {
    expect([...index.segmentChunk]).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect([...index.segmentStart]).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect([...index.segmentEnd]).toEqual([7, 17, 27, 37, 47, 57, 67, 77]);
    expect(index.norms[5]).toBe(0);
    expect(index.bigramTotals[5]).toBe(0);
    // 2.1 + 1.5 as stored, in sixteenths: 2.125 + 1.5.
    expect(index.bigramTotals[1]).toBe(2.125 + 1.5);
  });
});
