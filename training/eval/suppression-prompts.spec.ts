import { createLabeller, Labeller } from 'training/concepts/labeller';
import { keysOf, suppressionPrompts } from 'training/eval/explanation-eval';

let labeller: Labeller;
beforeAll(() => {
  labeller = createLabeller();
});

const chunks = [
  {
    id: 'b',
    text: 'The weather was mild. The court ruled for the tenant. The rent stayed the same. Later the town grew.',
  },
  { id: 'c', text: 'Farmers planted wheat and barley in the spring.' },
  {
    id: 'a',
    text: 'After a long trial the judge read the verdict. Reporters waited outside. Nobody spoke.',
  },
];

describe('suppression prompts', () => {
  it('cuts text that carries the concept right after its evidence, then at later sentence ends, chunk by chunk', () => {
    const prompts = suppressionPrompts('legal.courts', chunks, labeller, 10, () => true);
    // Chunk c does not carry the concept; a and b do, a first (id order), one cut each per round;
    // "the verdict" and "the verdict." are one cut.
    expect(prompts).toEqual([
      'After a long trial the judge read the verdict',
      'The weather was mild. The court',
      'After a long trial the judge read the verdict. Reporters waited outside.',
      'The weather was mild. The court ruled for the tenant.',
      'The weather was mild. The court ruled for the tenant. The rent stayed the same.',
    ]);
    // Every prompt already carries the concept: the reader knows it before the model writes.
    for (const p of prompts) expect(keysOf(labeller, p).has('legal.courts')).toBe(true);
    expect(prompts.some((p) => p.includes('Farmers'))).toBe(false);
  });

  it('stops at the count, shortens a prompt from its start until it fits, and refuses unknown concepts', () => {
    expect(suppressionPrompts('legal.courts', chunks, labeller, 3, () => true)).toHaveLength(3);
    const short = suppressionPrompts('legal.courts', chunks, labeller, 10, (t) => t.length <= 40);
    // From a sentence start where one is near, and never shortened past the evidence: after
    // "Reporters waited outside." the sentence start would drop the verdict, so a word start.
    expect(short).toEqual([
      'a long trial the judge read the verdict',
      'The weather was mild. The court',
      'the verdict. Reporters waited outside.',
      'The court ruled for the tenant.',
    ]);
    expect(() => suppressionPrompts('legal.nothing', chunks, labeller, 3, () => true)).toThrow(
      /no named concept legal.nothing/,
    );
  });

  it('starts from a word when the sentence start in the window would drop the evidence', () => {
    // 300 characters of plain words, then the evidence, then a sentence that does not name it.
    const text = `${'many plain words '.repeat(18)}and the court ruled. Then more words follow here. End`;
    const prompts = suppressionPrompts(
      'legal.courts',
      [{ id: 'x', text }],
      labeller,
      10,
      () => true,
    );
    // The third cut (after "here.") from its sentence start "Then" would no longer name the court.
    expect(prompts).toHaveLength(3);
    expect(prompts[2].endsWith('ruled. Then more words follow here.')).toBe(true);
    expect(prompts[2].startsWith('Then')).toBe(false);
    for (const p of prompts) expect(keysOf(labeller, p).has('legal.courts')).toBe(true);
  });
});
