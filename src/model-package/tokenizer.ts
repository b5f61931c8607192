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

export const SPACE = '\u2581';
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
