import { createHash } from 'node:crypto';

/** Plain, predictable text: NFKC, ASCII quotes and dashes, no control characters, tidy spaces. */
export function cleanText(raw: string): string {
  return (
    raw
      .normalize('NFKC')
      .replace(/[\u2018\u2019\u201b\u2032]/g, "'")
      .replace(/[\u201c\u201d\u201f\u2033]/g, '"')
      .replace(/[\u2013\u2014\u2212]/g, ' - ')
      .replace(/\u2026/g, '...')
      .replace(/\r\n?/g, '\n')
      .replace(/[^\S\n]+/g, ' ')
      // Control characters (form feeds in licence texts, stray bells) carry nothing.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
      .split('\n')
      .map((line) => line.trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}

export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p.length > 0);
}

/**
 * What makes two paragraphs "the same" for de-duplication: boilerplate differs in case,
 * punctuation, years and names of parties, so compare letters only.
 */
export function dedupeKey(paragraph: string): string {
  return paragraph.toLowerCase().replace(/[^a-z]+/g, '');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'no',
  'vs',
  'etc',
  'inc',
  'ltd',
  'co',
  'jr',
  'sr',
  'gen',
  'gov',
  'sen',
  'rep',
  'u.s',
  'e.g',
  'i.e',
  'fig',
  'art',
  'sec',
  'approx',
  'est',
  'jan',
  'feb',
  'mar',
  'apr',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);

/**
 * Sentence spans [start, end) in `text`. A full stop ends a sentence unless it closes a known
 * abbreviation, an initial ("J. Smith") or a number ("3.5").
 */
export function sentenceSpans(text: string): [number, number][] {
  // A paragraph break always ends a sentence (glosses and list items start in lower case).
  const spans: [number, number][] = [];
  const breaks = /\n\s*\n/g;
  let from = 0;
  for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
    spans.push(...sentencesIn(text, from, m.index));
    from = m.index + m[0].length;
  }
  spans.push(...sentencesIn(text, from, text.length));
  return spans;
}

function sentencesIn(whole: string, offset: number, limit: number): [number, number][] {
  const text = whole.slice(0, limit);
  const spans: [number, number][] = [];
  let start = offset;
  const boundary = /[.!?;]["')\]]*\s+(?=["'([]?[A-Z0-9])/g;
  boundary.lastIndex = offset;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    const end = m.index + m[0].trimEnd().length;
    const before = text.slice(start, m.index + 1);
    const lastWord = /([A-Za-z.]+)\.$/.exec(before)?.[1]?.toLowerCase() ?? '';
    if (text[m.index] === '.' && (ABBREVIATIONS.has(lastWord) || /^[a-z]$/i.test(lastWord))) {
      continue;
    }
    spans.push([start, end]);
    start = m.index + m[0].length;
  }
  if (start < text.length) spans.push([start, text.length]);
  return spans.filter(([s, e]) => text.slice(s, e).trim().length > 0);
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A deterministic number in [0, 1) from a seed and a key. */
export function unitHash(seed: number, key: string): number {
  return createHash('sha256').update(`${seed}:${key}`).digest().readUInt32BE(0) / 2 ** 32;
}
