import { wordRanges } from 'src/evidence-format/prompt-words';
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
 * The prompt's whole words (see wordRanges: the rule the runtime and the record use), with
 * their character spans in the prompt, found by walking the prompt with the tokens' texts, so
 * `prompt.slice(start, end)` is the word, trimmed of white space. Returns null when the tokens do
 * not spell the prompt (a token the tokenizer could not represent): then no word can be quoted
 * faithfully.
 */
export function promptWords(prompt: string, promptTokens: readonly string[]): PromptWord[] | null {
  if (promptTokens.join('') !== prompt) return null;
  const offsets = [0];
  for (const token of promptTokens) offsets.push(offsets[offsets.length - 1] + token.length);
  return wordRanges(promptTokens).map(([first, last]) => {
    const start =
      offsets[first] + promptTokens[first].length - promptTokens[first].trimStart().length;
    const end =
      offsets[last] - (promptTokens[last - 1].length - promptTokens[last - 1].trimEnd().length);
    return {
      word: prompt.slice(start, end),
      start,
      end,
      positions: Array.from({ length: last - first }, (_, i) => first + i),
    };
  });
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
