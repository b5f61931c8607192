import { CorpusChunk } from 'training/corpus/build-corpus';
import { paragraphs, readingWindows } from 'training/export/training-index';
import { BOS } from 'src/model-package/tokenizer';

/** One token per character (its code), so a token's end is its index + 1. */
function chunkOf(text: string) {
  const meta = { id: 'doc#0', text, start: 0, end: text.length } as CorpusChunk;
  const ids = [...text].map((c) => c.charCodeAt(0));
  return { meta, ids, ends: ids.map((_, i) => i + 1) };
}

describe('readingWindows', () => {
  const text = 'aaaa\n\nbbbbbbbbbbbbbbbbbb\n\ncccc\n\nd';

  it.each([8, 12, 40])(
    'reads every paragraph, and its positions predict exactly its tokens (context %i)',
    (context) => {
      const chunk = chunkOf(text);
      const sequence = [BOS, ...chunk.ids];
      const windows = readingWindows(chunk, context);
      expect(windows[0].offset).toBe(0);
      const read = windows.flatMap((w) =>
        w.paragraphs.map(({ start, end, from, to }) => {
          expect(w.input).toEqual(sequence.slice(w.offset, w.offset + context));
          expect(from).toBeGreaterThanOrEqual(0);
          expect(to).toBeLessThanOrEqual(w.input.length);
          // Position p reads input[p] and predicts sequence[offset + p + 1].
          const predicted = sequence.slice(w.offset + from + 1, w.offset + to + 1);
          return { span: text.slice(start, end), predicted: String.fromCharCode(...predicted) };
        }),
      );
      const spans = paragraphs(text).map(([s, e]) => text.slice(s, e));
      expect(read.map((r) => r.span).sort()).toEqual([...spans].sort());
      for (const { span, predicted } of read) {
        // A paragraph longer than the context is read as far as the window reaches.
        expect(span.startsWith(predicted)).toBe(true);
        expect(predicted.length).toBe(Math.min(span.length, context));
      }
    },
  );

  it('reads a chunk that fits in the context in one window', () => {
    expect(readingWindows(chunkOf(text), 64)).toHaveLength(1);
  });
});
