import { RecordChunk } from 'src/evidence-format/record-body';
import { ContextWord } from 'src/reports/explanation/explanation.types';

/** A prompt word: its token positions and its character span in the prompt. */
export interface PromptWord {
  word: string;
  start: number;
  end: number;
  positions: number[];
}

/**
 * Groups the prompt's tokens into whole words, for reading: a token that starts with white
 * space (or follows one that ends with it) starts a new word; the pieces after it (`pres`,
 * `crib`, `ed`) join it. Spans are character offsets in the prompt, found by walking the prompt
 * with the tokens' texts, so `prompt.slice(start, end)` is the word, trimmed of white space.
 * Returns null when the tokens do not spell the prompt (a token the tokenizer could not
 * represent): then no word can be quoted faithfully.
 */
export function promptWords(prompt: string, promptTokens: readonly string[]): PromptWord[] | null {
  if (promptTokens.join('') !== prompt) return null;
  const words: PromptWord[] = [];
  let offset = 0;
  let current: PromptWord | null = null;
  for (const [position, token] of promptTokens.entries()) {
    const leading = token.length - token.trimStart().length;
    const core = token.trim();
    if (core !== '') {
      const start = offset + leading;
      if (current === null || leading > 0) {
        current = { word: core, start, end: start + core.length, positions: [position] };
        words.push(current);
      } else {
        current.end = start + core.length;
        current.word = prompt.slice(current.start, current.end);
        current.positions.push(position);
      }
    }
    offset += token.length;
    if (core === '' || token.trimEnd().length < token.length) current = null;
  }
  return words;
}

/**
 * Per chunk, each prompt word with the summed context effect (log-probability, nats) of its
 * token pieces. The per-piece detail stays in the record (`chunks[i].context.effects`).
 */
export function contextWords(
  words: readonly PromptWord[],
  chunks: readonly RecordChunk[],
): ContextWord[][] {
  return chunks.map((chunk) => {
    const byPosition = new Map(chunk.context.effects.map((e) => [e.position, e.logProb]));
    return words.map((w) => ({
      word: w.word,
      start: w.start,
      end: w.end,
      effect: w.positions.reduce((sum, p) => sum + (byPosition.get(p) ?? 0), 0),
    }));
  });
}
