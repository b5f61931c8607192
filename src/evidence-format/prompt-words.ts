/**
 * Whole prompt words from token pieces, one rule for the runtime, the record checks and the
 * reports: a token that starts with white space (or follows one that ends with it, or is only
 * white space) starts a new word; the pieces after it join it, so ` pres` `crib` `ed` is one word
 * and ` (` `hospital` `)` another. Context attribution is measured per piece (masking one token
 * at a time); a reviewer reads it per word, the pieces' effects summed.
 */

/** Token position ranges [start, end) of the words, in order; white-space-only tokens belong to none. */
export function wordRanges(tokens: readonly string[]): [number, number][] {
  const ranges: [number, number][] = [];
  let open = false;
  for (const [position, token] of tokens.entries()) {
    const core = token.trim();
    if (core !== '') {
      const leading = token.length - token.trimStart().length;
      if (!open || leading > 0) ranges.push([position, position + 1]);
      else ranges[ranges.length - 1][1] = position + 1;
      open = true;
    }
    if (core === '' || token.trimEnd().length < token.length) open = false;
  }
  return ranges;
}

/** One word's context effect: its pieces' effects summed. */
export interface WordEffect {
  /** First prompt token of the word. */
  start: number;
  /** Prompt token just after the word (exclusive). */
  end: number;
  logit: number;
  logProb: number;
}

/**
 * Each word's effect, summing its pieces' per-position effects; a word none of whose pieces was
 * measured is left out.
 */
export function wordEffects(
  ranges: readonly [number, number][],
  effects: readonly { position: number; logit: number; logProb: number }[],
): WordEffect[] {
  const byPosition = new Map(effects.map((e) => [e.position, e]));
  const words: WordEffect[] = [];
  for (const [start, end] of ranges) {
    let logit = 0;
    let logProb = 0;
    let measured = false;
    for (let p = start; p < end; p++) {
      const e = byPosition.get(p);
      if (!e) continue;
      measured = true;
      logit += e.logit;
      logProb += e.logProb;
    }
    if (measured) words.push({ start, end, logit, logProb });
  }
  return words;
}

/**
 * Whether a generated chunk has content a reason could be given for: a letter or a digit. A
 * chunk of punctuation, white space or an end token alone has none; its attribution is still
 * exact, but there is nothing in it to explain.
 */
export function hasContent(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
