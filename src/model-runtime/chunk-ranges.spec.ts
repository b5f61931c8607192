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
