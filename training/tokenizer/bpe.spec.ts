import {
  BOS,
  MASK,
  PAD,
  pretokenize,
  SPECIAL_TOKENS,
  Tokenizer,
  UNK,
} from 'src/model-package/tokenizer';
import { trainBpe } from 'training/tokenizer/bpe';

const TEXTS = [
  'The budget deficit fell in the fiscal year 1947.',
  'The budget surplus rose; the deficit fell again.',
  'Licensee may redistribute the Software under the License.',
  'aspirin: a drug that relieves pain and reduces fever.',
  'The Treasury will issue bonds.\n\nThe Congress will act.',
];

describe('BPE tokenizer', () => {
  const data = trainBpe(TEXTS, 120);
  const tokenizer = new Tokenizer(data);

  it('splits text into words with a space marker, single digits, marks and paragraph breaks', () => {
    expect(pretokenize('In 1947, the deficit fell.\n\nNext')).toEqual([
      'In',
      '\u25811',
      '9',
      '4',
      '7',
      ',',
      '\u2581the',
      '\u2581deficit',
      '\u2581fell',
      '.',
      '\n\n',
      'Next',
    ]);
  });

  it('puts the special tokens first and reaches the requested size', () => {
    expect(data.vocab.slice(0, SPECIAL_TOKENS.length)).toEqual([...SPECIAL_TOKENS]);
    expect([PAD, BOS, UNK, MASK]).toEqual([0, 1, 3, 4]);
    expect(data.vocab).toHaveLength(120);
    expect(new Set(data.vocab).size).toBe(120);
  });

  it('round-trips text, and merges frequent words into single tokens', () => {
    for (const text of TEXTS) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    const the = tokenizer.encode(' the');
    expect(the).toHaveLength(1);
    expect(tokenizer.tokenText(the[0])).toBe(' the');
    expect(tokenizer.encode('The budget deficit').length).toBeLessThan('The budget deficit'.length);
  });

  it('maps characters it never learnt to [UNK], and drops specials when decoding', () => {
    expect(tokenizer.encode('\u00e6')).toEqual([UNK]);
    expect(tokenizer.decode([BOS, ...tokenizer.encode(' the'), PAD])).toBe(' the');
  });

  it('gives each token the character offset just after it, through spaces, paragraphs and [UNK]', () => {
    const text = 'In 1947, the deficit \u00e6 fell.\n\nNext \ud835\udc00!';
    const { ids, ends } = tokenizer.encodeWithEnds(text);
    expect(ids).toEqual(tokenizer.encode(text));
    const covered = ids.map((_, i) => text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));
    const expected = ids.map((id, i) => (id === UNK ? text[ends[i] - 1] : tokenizer.tokenText(id)));
    expect(covered).toEqual(expected);
    expect(ends[ends.length - 1]).toBe(text.length);
    expect(ids.filter((id) => id === UNK)).toHaveLength(3);
  });

  it('trains deterministically', () => {
    expect(trainBpe([...TEXTS].reverse(), 120)).toEqual(data);
  });
});
