import { RecordChunk } from 'src/evidence-format/record-body';
import { contextWords, promptWords } from 'src/reports/kinds/context-words';

const chunk = (effects: [position: number, logProb: number][]) =>
  ({
    context: { effects: effects.map(([position, logProb]) => ({ position, logit: 0, logProb })) },
  }) as RecordChunk;

describe('promptWords', () => {
  it('joins the pieces of a word and keeps its span in the prompt', () => {
    const prompt = 'The patient was prescribed aspirin.\n\nNo loan';
    const tokens = [
      'The',
      ' patient',
      ' was',
      ' pres',
      'crib',
      'ed',
      ' aspirin',
      '.',
      '\n\n',
      'No',
      ' lo',
      'an',
    ];
    const words = promptWords(prompt, tokens)!;
    expect(words.map((w) => w.word)).toEqual([
      'The',
      'patient',
      'was',
      'prescribed',
      'aspirin.',
      'No',
      'loan',
    ]);
    for (const w of words) expect(prompt.slice(w.start, w.end)).toBe(w.word);
    expect(words[3].positions).toEqual([3, 4, 5]);
    expect(words[5].positions).toEqual([9]);
  });

  it('refuses tokens that do not spell the prompt (nothing could be quoted faithfully)', () => {
    expect(promptWords('hospital', ['h', 'osp', '[UNK]'])).toBeNull();
  });
});

describe('contextWords', () => {
  it("sums a word's piece effects per chunk, and gives 0 to words with none", () => {
    const words = promptWords('a prescribed b', ['a', ' pres', 'crib', 'ed', ' b'])!;
    const perChunk = contextWords(words, [
      chunk([
        [1, 0.25],
        [2, 0.97],
        [3, -0.1],
      ]),
      chunk([[4, 1.5]]),
    ]);
    expect(perChunk[0].map((w) => [w.word, w.effect])).toEqual([
      ['a', 0],
      ['prescribed', expect.closeTo(1.12, 10)],
      ['b', 0],
    ]);
    expect(perChunk[1].find((w) => w.word === 'b')!.effect).toBe(1.5);
  });
});
