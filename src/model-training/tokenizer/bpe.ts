/**
 * Our own byte-pair-encoding tokenizer: pieces are words (with a leading-space marker), single
 * digits, single punctuation marks and paragraph breaks; BPE merges characters inside a piece.
 * No [UNK] for ordinary text (printable ASCII, and every character seen 50 times in training, are in
 * the alphabet), which
 * keeps perplexities honest (a word-level vocabulary left 11.6% of held-out tokens unknown).
 */
export const SPECIAL_TOKENS = ['[PAD]', '[BOS]', '[EOS]', '[UNK]', '[MASK]', '[EOC]'] as const;
export type SpecialToken = (typeof SPECIAL_TOKENS)[number];
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;
export const MASK = 4;
export const EOC = 5;

const SPACE = '\u2581';
const MIN_CHAR_COUNT = 50;
export const PARAGRAPH = '\n\n';

const PIECE = /\n\s*\n| ?[A-Za-z]+| ?\d| ?[^\sA-Za-z\d]/g;

/** Text → pieces; a space before a piece becomes part of it (as the marker ▁). */
export function pretokenize(text: string): string[] {
  const pieces: string[] = [];
  for (const m of text.matchAll(PIECE)) {
    const piece = m[0];
    if (piece.startsWith('\n')) pieces.push(PARAGRAPH);
    else pieces.push(piece.startsWith(' ') ? SPACE + piece.slice(1) : piece);
  }
  return pieces;
}

export interface TokenizerData {
  kind: 'bpe';
  version: 1;
  /** Token strings by id; ids 0..5 are the special tokens. */
  vocab: string[];
  /** Merges in rank order, each "left right". */
  merges: string[];
}

export class Tokenizer {
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();

  constructor(readonly data: TokenizerData) {
    data.vocab.forEach((token, id) => this.ids.set(token, id));
    data.merges.forEach((merge, rank) => this.ranks.set(merge, rank));
    SPECIAL_TOKENS.forEach((t, i) => {
      if (data.vocab[i] !== t) throw new Error(`token ${i} must be ${t}, found ${data.vocab[i]}`);
    });
  }

  get size(): number {
    return this.data.vocab.length;
  }

  encode(text: string): number[] {
    return pretokenize(text).flatMap((piece) => this.encodePiece(piece));
  }

  /** `encode`, with the character offset in `text` just after each token. */
  encodeWithEnds(text: string): { ids: number[]; ends: number[] } {
    const ids: number[] = [];
    const ends: number[] = [];
    for (const m of text.matchAll(PIECE)) {
      const pieceEnd = m.index + m[0].length;
      if (m[0].startsWith('\n')) {
        ids.push(...this.encodePiece(PARAGRAPH));
        ends.push(pieceEnd);
        continue;
      }
      let at = m.index;
      for (const id of this.encodePiece(m[0].startsWith(' ') ? SPACE + m[0].slice(1) : m[0])) {
        // A token's text is as long as what it covers (▁ stands for one space); an [UNK] covers
        // one UTF-16 unit, since pieces of anything but letters and digits are one unit long.
        at += id === UNK ? 1 : this.data.vocab[id].length;
        ids.push(id);
        ends.push(Math.min(at, pieceEnd));
      }
    }
    return { ids, ends };
  }

  decode(ids: readonly number[]): string {
    return ids
      .map((id) => this.data.vocab[id] ?? '[UNK]')
      .filter((t) => !(SPECIAL_TOKENS as readonly string[]).includes(t) || t === '[UNK]')
      .join('')
      .replaceAll(SPACE, ' ');
  }

  /** One token as text (for attribution displays): specials as themselves, ▁ as a space. */
  tokenText(id: number): string {
    return (this.data.vocab[id] ?? '[UNK]').replaceAll(SPACE, ' ');
  }

  private encodePiece(piece: string): number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const whole = this.ids.get(piece);
    // The paragraph break is one token, never the two newlines it is made of.
    if (whole !== undefined && piece === PARAGRAPH) return [whole];
    let symbols = [...piece];
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < symbols.length - 1; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      symbols = [
        ...symbols.slice(0, best),
        symbols[best] + symbols[best + 1],
        ...symbols.slice(best + 2),
      ];
    }
    const ids = symbols.map((s) => this.ids.get(s) ?? UNK);
    if (this.cache.size < 200_000) this.cache.set(piece, ids);
    return ids;
  }
}

/**
 * Learns `vocabSize` tokens from texts: the special tokens, every character seen at least twice,
 * then the most frequent adjacent pair merged, again and again (ties broken by the pair's text,
 * so training is deterministic).
 */
export function trainBpe(
  texts: Iterable<string>,
  vocabSize: number,
  onProgress?: (merges: number, target: number) => void,
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
    .map(([piece, count]) => ({ symbols: [...piece], count }));
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
