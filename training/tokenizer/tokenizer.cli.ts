import { cliArg } from 'training/cli-args';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CorpusChunk } from 'training/corpus/build-corpus';
import { Tokenizer, UNK } from 'src/model-package/tokenizer';
import { trainBpe } from 'training/tokenizer/bpe';

/**
 * `npm run tokenizer:train [-- --vocab 4096 --corpus build/corpus --out build/tokenizer.json]`:
 * learns the BPE vocabulary from the corpus's training split and reports how it fits the held-out
 * split (tokens per word, unknown rate).
 */
export function readChunks(corpusDir: string): CorpusChunk[] {
  return readFileSync(resolve(corpusDir, 'chunks.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CorpusChunk);
}

function main(): void {
  const vocabSize = Number(cliArg('vocab') ?? '4096');
  const chunks = readChunks(cliArg('corpus') ?? 'build/corpus');
  const out = resolve(cliArg('out') ?? 'build/tokenizer.json');
  const started = Date.now();
  const data = trainBpe(
    chunks.filter((c) => c.split === 'train').map((c) => c.text),
    vocabSize,
    (done, target) => process.stderr.write(`\rmerges ${done}/${target}`),
  );
  process.stderr.write('\n');
  const tokenizer = new Tokenizer(data);
  let tokens = 0;
  let unknown = 0;
  let words = 0;
  for (const c of chunks.filter((k) => k.split === 'test')) {
    const ids = tokenizer.encode(c.text);
    tokens += ids.length;
    unknown += ids.filter((id) => id === UNK).length;
    words += c.text.split(/\s+/).filter(Boolean).length;
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(data));
  process.stderr.write(
    `vocabulary ${data.vocab.length} in ${((Date.now() - started) / 1000).toFixed(1)} s; held-out: ${(tokens / words).toFixed(2)} tokens per word, ${((100 * unknown) / tokens).toFixed(3)}% [UNK]; wrote ${out}\n`,
  );
}

if (require.main === module) main();
