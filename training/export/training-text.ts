import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** One line of `training-text.jsonl.gz`: a training chunk's text, by its id in the index. */
export interface TrainingTextLine {
  chunk: string;
  text: string;
}

/**
 * The training chunks' text for a model package, in the order of its `training-index.jsonl`:
 * what a report quotes when it shows the training chunks an output resembles. It is a companion
 * file, outside the package manifest, so adding it never changes a package's manifest hash (which
 * every record names); each line is checked instead against the chunk's SHA-256 in the index,
 * which the manifest pins. Refuses a chunk whose text is missing or does not match.
 */
export function trainingTextFile(
  indexLines: readonly { chunk: string; sha256: string }[],
  textOf: ReadonlyMap<string, string>,
): Buffer {
  const lines = indexLines.map(({ chunk, sha256 }) => {
    const text = textOf.get(chunk);
    if (text === undefined) throw new Error(`no text for training chunk ${chunk}`);
    const actual = createHash('sha256').update(text, 'utf8').digest('hex');
    if (actual !== sha256) {
      throw new Error(`training chunk ${chunk}: text SHA-256 ${actual}, index says ${sha256}`);
    }
    return JSON.stringify({ chunk, text } satisfies TrainingTextLine);
  });
  // mtime 0 and no name: the same chunks give the same bytes.
  return gzipSync(Buffer.from(lines.join('\n') + '\n', 'utf8'), { level: 9 });
}
