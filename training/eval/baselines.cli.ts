import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BOS, Tokenizer, TokenizerData } from 'src/model-package/tokenizer';
import { readChunks } from 'training/tokenizer/tokenizer.cli';
import { KneserNey } from 'training/eval/kneser-ney';

/**
 * `npm run model:baselines [-- --json]`: modified Kneser-Ney bigram and trigram perplexities on
 * the held-out split, with the same tokenizer and the same sequences (one per chunk, [BOS] first)
 * that the model is scored on.
 */
function main(): void {
  const json = process.argv.includes('--json');
  const tokenizer = new Tokenizer(
    JSON.parse(readFileSync(resolve('build/tokenizer.json'), 'utf8')) as TokenizerData,
  );
  const chunks = readChunks('build/corpus');
  const encode = (split: string) =>
    chunks.filter((c) => c.split === split).map((c) => [BOS, ...tokenizer.encode(c.text)]);
  const started = Date.now();
  const train = encode('train');
  const test = encode('test');
  const result: Record<string, number> = {
    trainTokens: train.reduce((n, s) => n + s.length - 1, 0),
    testTokens: test.reduce((n, s) => n + s.length - 1, 0),
  };
  for (const [name, order] of [
    ['unigramPerplexity', 1],
    ['bigramPerplexity', 2],
    ['trigramPerplexity', 3],
  ] as const) {
    result[name] = new KneserNey(order, tokenizer.size).train(train).perplexity(test);
    if (!json) process.stderr.write(`${name}: ${result[name].toFixed(2)}\n`);
  }
  result.seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`,
  );
}

if (require.main === module) main();
