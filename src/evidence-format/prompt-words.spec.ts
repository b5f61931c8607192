import { hasContent, wordEffects, wordRanges } from 'src/evidence-format/prompt-words';

describe('wordRanges', () => {
  it('joins the pieces after a word start and ends a word at white space', () => {
    const tokens = [
      'The',
      ' pres',
      'crib',
      'ed',
      ' (',
      'oral',
      ')',
      '\n\n',
      'No',
      ' lo',
      'an',
      ' ',
    ];
    expect(wordRanges(tokens)).toEqual([
      [0, 1],
      [1, 4],
      [4, 7],
      [8, 9],
      [9, 11],
    ]);
  });

  it('starts a word after a token that ends with white space, and at a special token after it', () => {
    expect(wordRanges(['a ', 'b', ' [MASK]', 'c'])).toEqual([
      [0, 1],
      [1, 2],
      [2, 4],
    ]);
    expect(wordRanges([])).toEqual([]);
  });
});

describe('wordEffects', () => {
  it("sums a word's measured pieces and leaves out a word with none measured", () => {
    const effects = [
      { position: 1, logit: 0.5, logProb: 0.25 },
      { position: 2, logit: -0.25, logProb: 0.5 },
      { position: 4, logit: 1, logProb: 1 },
    ];
    expect(
      wordEffects(
        [
          [0, 1],
          [1, 3],
          [3, 5],
        ],
        effects,
      ),
    ).toEqual([
      { start: 1, end: 3, logit: 0.25, logProb: 0.75 },
      { start: 3, end: 5, logit: 1, logProb: 1 },
    ]);
  });
});

describe('hasContent', () => {
  it('is true with a letter or digit in any script, false for punctuation and space alone', () => {
    expect(hasContent(' crime.')).toBe(true);
    expect(hasContent(' 42')).toBe(true);
    expect(hasContent(' Ärzte')).toBe(true);
    expect(hasContent('.')).toBe(false);
    expect(hasContent(' , ;\n\n')).toBe(false);
    expect(hasContent('')).toBe(false);
  });
});
