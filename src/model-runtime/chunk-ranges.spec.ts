import { sharedParts } from 'src/model-runtime/loaded-model';
import { chunkRanges } from 'src/model-runtime/model-runtime';

// Tokens as their text: the id is the index into this list.
const cut = (pieces: string[], max = 16) =>
  chunkRanges(
    pieces.map((_, i) => i),
    max,
    (i) => pieces[i],
  ).map(([s, e]) => pieces.slice(s, e).join(''));

describe('chunkRanges', () => {
  it('ends a chunk at a sentence end followed by a space, a paragraph break, or the end', () => {
    expect(cut([' It', ' rose', '.', ' Then', ' it', ' fell', '!', '\n\n', 'Next'])).toEqual([
      ' It rose.',
      ' Then it fell!',
      '\n\n',
      'Next',
    ]);
  });

  it('keeps decimals and abbreviations inside their sentence', () => {
    expect(
      cut([' at', ' 4', '.', '3', '7', ' percent', '.', ' The', ' U', '.', 'S', '.', ' won']),
    ).toEqual([' at 4.37 percent.', ' The U.S.', ' won']);
  });

  it('cuts every N tokens when no sentence ends, covering every token once', () => {
    const pieces = Array.from({ length: 10 }, (_, i) => ` w${i}`);
    expect(cut(pieces, 4)).toEqual([' w0 w1 w2 w3', ' w4 w5 w6 w7', ' w8 w9']);
  });
});

describe('sharedParts', () => {
  it('is each centred row along the mean direction, so what is left is orthogonal to it', () => {
    const rows = [
      Float32Array.from([3, 1, 0, 0]),
      Float32Array.from([3, 0, 1, 0]),
      Float32Array.from([3, 0, 0, 1]),
    ];
    const shared = sharedParts(rows);
    const centred = rows.map((r) => Array.from(r, (x) => x - 1));
    const mean = [0, 1, 2, 3].map((v) => centred.reduce((s, r) => s + r[v], 0) / 3);
    shared.forEach((part, c) => {
      const own = centred[c].map((x, v) => x - part[v]);
      const dot = own.reduce((s, x, v) => s + x * mean[v], 0);
      expect(Math.abs(dot)).toBeLessThan(1e-5);
    });
    // Rows that are all one direction are all shared.
    const same = sharedParts([Float32Array.from([2, -2, 0]), Float32Array.from([4, -4, 0])]);
    expect(Array.from(same[1])).toEqual([4, -4, 0]);
  });
});
