import { chunkDocument, CorpusDocument } from 'training/corpus/build-corpus';
import { cleanText, dedupeKey, paragraphs, sentenceSpans } from 'training/corpus/text';

const spans = (text: string) => sentenceSpans(text).map(([s, e]) => text.slice(s, e));

describe('corpus text', () => {
  it('cleans typography and whitespace without touching words', () => {
    expect(cleanText('\u201cIt\u2019s  here\u201d \u2014 now\u2026\r\n\r\n\r\n\tNext\u0007')).toBe(
      '"It\'s here" - now...\n\nNext',
    );
    expect(paragraphs('a\nb\n\n\nc')).toEqual(['a b', 'c']);
  });

  it('treats boilerplate that differs only in case, digits and punctuation as one paragraph', () => {
    expect(dedupeKey('Copyright (c) 2004, Acme.')).toBe(dedupeKey('COPYRIGHT (C) 2019 ACME'));
    expect(dedupeKey('Copyright Acme')).not.toBe(dedupeKey('Copyright Zenith'));
  });

  it('ends sentences at stops and paragraph breaks, not at abbreviations, initials or decimals', () => {
    expect(spans('Mr. Smith paid 3.5 dollars. J. Doe did not! Why? Yes; Fine.')).toEqual([
      'Mr. Smith paid 3.5 dollars.',
      'J. Doe did not!',
      'Why?',
      'Yes;',
      'Fine.',
    ]);
    expect(spans('living: alive; "a living doll".\n\nrelative: not absolute.')).toEqual([
      'living: alive; "a living doll".',
      'relative: not absolute.',
    ]);
  });

  it('cuts documents into whole-sentence chunks whose spans and hashes are exact', () => {
    const text = [
      'One two three four five.',
      'Six seven eight nine ten eleven.',
      'A very long sentence ' + 'word '.repeat(25).trim() + '.',
    ].join(' ');
    const doc: CorpusDocument = {
      id: 'src/doc',
      source: 'sotu',
      title: 't',
      split: 'train',
      licence: 'l',
      text,
    };
    const chunks = chunkDocument(doc, 12);
    for (const c of chunks) {
      expect(text.slice(c.start, c.end)).toBe(c.text);
      expect(c.text.split(/\s+/).length).toBeLessThanOrEqual(12);
    }
    expect(chunks[0].text).toBe('One two three four five. Six seven eight nine ten eleven.');
    expect(chunks.map((c) => c.id)).toEqual(chunks.map((_, i) => `src/doc#${i}`));
    expect(chunks.map((c) => c.text).join(' ')).toBe(text);
  });
});
