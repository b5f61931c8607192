import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCorpus, corpusOptions } from 'training/corpus/build-corpus';
import { SourceName } from 'training/corpus/sources';
import { trainingTextFile } from 'training/export/training-text';

/**
 * `npm run model:training-text -- <package dir>`: writes `training-text.jsonl.gz` beside the
 * package's training index, from the corpus rebuilt in memory (the same npm packages the model was
 * trained on). Every chunk's text is checked against the SHA-256 the index holds.
 */
function main(): void {
  const dir = resolve(process.argv[2] ?? '');
  if (!process.argv[2]) throw new Error('usage: model:training-text -- <package dir>');
  const index = readFileSync(join(dir, 'training-index.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { chunk: string; sha256: string });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    sources: { name: SourceName }[];
  };
  const build = buildCorpus(corpusOptions(manifest.sources.map((s) => s.name)), (line) =>
    process.stderr.write(`${line}\n`),
  );
  const textOf = new Map(build.chunks.map((c) => [c.id, c.text]));
  const file = trainingTextFile(index, textOf);
  writeFileSync(join(dir, 'training-text.jsonl.gz'), file);
  process.stderr.write(
    `wrote ${join(dir, 'training-text.jsonl.gz')}: ${index.length} chunks, ${(file.length / 1e6).toFixed(1)} MB\n`,
  );
}

main();
