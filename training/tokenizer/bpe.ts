import {
  PARAGRAPH,
  pretokenize,
  SPACE,
  SPECIAL_TOKENS,
  TokenizerData,
} from 'src/model-package/tokenizer';

/** Characters seen fewer times than this in training stay out of the alphabet. */
const MIN_CHAR_COUNT = 50;

/**
 * Learns `vocabSize` tokens from texts: the special tokens, every character seen at least twice,
 * then the most frequent adjacent pair merged, again and again (ties broken by the pair's text,
 * so training is deterministic).
 *
 * `boost` multiplies the counts of some pieces (words as `pretokenize` writes them) when merges
 * are chosen, so that words a reader looks for (the concepts' own words) become whole tokens
 * though the corpus seldom uses them; the alphabet still counts every character once.
 */
export function trainBpe(
  texts: Iterable<string>,
  vocabSize: number,
  onProgress?: (merges: number, target: number) => void,
  boost: ReadonlyMap<string, number> = new Map(),
): TokenizerData {
  const pieceCounts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of pretokenize(text))
      pieceCounts.set(piece, (pieceCounts.get(piece) ?? 0) + 1);
  }
  const charCounts = new Map<string, number>();
  for (const [piece, n] of pieceCounts) {
    for (const ch of piece) charCounts.set(ch, (charCounts.get(ch) ?? 0) + n);
  }
  // Printable ASCII and the space marker always; other characters only when common enough to
  // earn a token (a few non-English licence texts would otherwise spend hundreds on CJK).
  const base = new Set<string>([SPACE]);
  for (let c = 0x21; c <= 0x7e; c++) base.add(String.fromCharCode(c));
  for (const [ch, n] of charCounts) if (n >= MIN_CHAR_COUNT) base.add(ch);
  const alphabet = [...base].sort();
  const vocab: string[] = [...SPECIAL_TOKENS, ...alphabet];
  if (!vocab.includes(PARAGRAPH)) vocab.push(PARAGRAPH);
  const known = new Set(vocab);

  // Words as symbol arrays with their counts; pair counts and, per pair, which words hold it.
  const words = [...pieceCounts.entries()]
    .filter(([piece]) => piece !== PARAGRAPH)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([piece, count]) => ({ symbols: [...piece], count: count * (boost.get(piece) ?? 1) }));
  const pairCounts = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const { symbols, count } = words[w];
    for (let i = 0; i < symbols.length - 1; i++) {
      const pair = `${symbols[i]} ${symbols[i + 1]}`;
      pairCounts.set(pair, (pairCounts.get(pair) ?? 0) + sign * count);
      if (sign > 0) {
        let set = pairWords.get(pair);
        if (!set) pairWords.set(pair, (set = new Set()));
        set.add(w);
      }
    }
  };
  words.forEach((_, w) => addPairs(w, 1));

  const merges: string[] = [];
  const target = vocabSize - vocab.length;
  while (vocab.length < vocabSize) {
    let best: string | undefined;
    let bestCount = 1; // a pair seen once is not worth a token
    for (const [pair, n] of pairCounts) {
      if (n > bestCount || (n === bestCount && best !== undefined && pair < best)) {
        best = pair;
        bestCount = n;
      }
    }
    if (!best) break;
    const [left, right] = best.split(' ');
    const merged = left + right;
    for (const w of pairWords.get(best) ?? []) {
      addPairs(w, -1);
      const s = words[w].symbols;
      const out: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i < s.length - 1 && s[i] === left && s[i + 1] === right) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      words[w].symbols = out;
      addPairs(w, 1);
    }
    pairCounts.delete(best);
    pairWords.delete(best);
    merges.push(best);
    if (!known.has(merged)) {
      vocab.push(merged);
      known.add(merged);
    }
    if (onProgress && merges.length % 250 === 0) onProgress(merges.length, target);
  }
  return { kind: 'bpe', version: 1, vocab, merges };
}
