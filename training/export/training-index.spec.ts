import { CorpusChunk } from 'training/corpus/build-corpus';
import { ParagraphReading, paragraphs, readingWindows } from 'training/export/training-index';
import { BOS } from 'src/model-package/tokenizer';

/** One token per character (its code), so a token's end is its index + 1. */
function chunkOf(text: string) {
  const meta = { id: 'doc#0', text, start: 0, end: text.length } as CorpusChunk;
  const ids = [...text].map((c) => c.charCodeAt(0));
  return { meta, ids, ends: ids.map((_, i) => i + 1) };
}

describe('readingWindows', () => {
  const text = 'aaaa\n\nbbbbbbbbbbbbbbbbbb\n\ncccc\n\nd';

  /** Each paragraph read, with what the window reads before it and the tokens it predicts. */
  function read(chunkText: string, context: number, reading: ParagraphReading = 'alone') {
    const chunk = chunkOf(chunkText);
    return readingWindows(chunk, context, reading).flatMap((w) => {
      expect(w.input.length).toBeLessThanOrEqual(context);
      // Position p reads input[p] and predicts ids[first + p]: input[p + 1].
      expect(w.input.slice(1)).toEqual(chunk.ids.slice(w.first, w.first + w.input.length - 1));
      return w.paragraphs.map(({ start, end, from, to }) => {
        expect(from).toBeGreaterThanOrEqual(0);
        expect(to).toBeLessThanOrEqual(w.input.length);
        return {
          span: chunkText.slice(start, end),
          before: w.input.slice(0, from + 1),
          predicted: String.fromCharCode(...chunk.ids.slice(w.first + from, w.first + to)),
        };
      });
    });
  }

  it.each([
    [8, 'alone'],
    [12, 'alone'],
    [40, 'alone'],
    [8, 'in-chunk'],
    [12, 'in-chunk'],
    [40, 'in-chunk'],
  ] as const)(
    'reads every paragraph, and its positions predict exactly its tokens (context %i, %s)',
    (context, reading) => {
      const paragraphsRead = read(text, context, reading);
      const spans = paragraphs(text).map(([s, e]) => text.slice(s, e));
      expect(paragraphsRead.map((r) => r.span)).toEqual(spans);
      for (const { span, predicted } of paragraphsRead) {
        // A paragraph longer than the context is read as far as the window reaches.
        expect(span.startsWith(predicted)).toBe(true);
        expect(predicted.length).toBe(Math.min(span.length, context));
      }
    },
  );

  it('reads every paragraph alone from [BOS], whatever precedes it in its chunk', () => {
    const alone = read('zz: a drug taken daily.', 64);
    const afterOthers = read('lichen: a plant.\n\nzz: a drug taken daily.\n\nmoss: a plant.', 64);
    expect(afterOthers.map((r) => r.before)).toEqual([[BOS], [BOS], [BOS]]);
    expect(afterOthers[1]).toEqual(alone[0]);
  });

  it('reads a paragraph in-chunk after the paragraphs before it', () => {
    const chunkText = 'lichen: a plant.\n\nzz: a drug taken daily.';
    const [, drug] = read(chunkText, 64, 'in-chunk');
    const upTo = chunkText.indexOf('zz');
    expect(drug.before).toEqual([BOS, ...chunkOf(chunkText.slice(0, upTo)).ids]);
  });

  it('reads the chunk from its start to its last token once, for the source matrix', () => {
    const chunk = chunkOf(text);
    const [opening, ...rest] = readingWindows(chunk, 64);
    expect(opening.first).toBe(0);
    expect(opening.input).toEqual([BOS, ...chunk.ids]);
    expect(opening.paragraphs.map((p) => text.slice(p.start, p.end))).toEqual(['aaaa']);
    expect(rest.map((w) => w.paragraphs.length)).toEqual([1, 1, 1]);
    expect(readingWindows(chunk, 12)[0].input).toEqual([BOS, ...chunk.ids.slice(0, 11)]);
  });

  it('reads a chunk that fits in the context in one window in-chunk', () => {
    expect(readingWindows(chunkOf(text), 64, 'in-chunk')).toHaveLength(1);
  });
});
