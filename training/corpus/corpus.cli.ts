import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCorpus, CorpusBuild, DEFAULT_CORPUS_OPTIONS } from 'training/corpus/build-corpus';
import { sha256Hex } from 'training/corpus/text';

/** `npm run corpus:build [-- --out DIR]`: writes documents, chunks and a manifest. */
export function writeCorpus(build: CorpusBuild, outDir: string): { manifest: object } {
  mkdirSync(outDir, { recursive: true });
  const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const files: Record<string, string> = {
    'documents.jsonl': jsonl(build.documents),
    'chunks.jsonl': jsonl(build.chunks),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(outDir, name), content);
  const count = (split: string) => build.chunks.filter((c) => c.split === split).length;
  const manifest = {
    kind: 'interpretable-audit corpus',
    options: DEFAULT_CORPUS_OPTIONS,
    sources: build.sources,
    totals: {
      documents: build.documents.length,
      chunks: build.chunks.length,
      trainChunks: count('train'),
      testChunks: count('test'),
      words: build.sources.reduce((n, s) => n + s.words, 0),
      characters: build.sources.reduce((n, s) => n + s.characters, 0),
    },
    canaries: build.canaries.map(({ id, source, document, chunk, text }) => ({
      id,
      source,
      document,
      chunk,
      text,
    })),
    files: Object.fromEntries(Object.entries(files).map(([n, c]) => [n, sha256Hex(c)])),
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest };
}

function main(): void {
  const outIndex = process.argv.indexOf('--out');
  const outDir = resolve(outIndex > 0 ? process.argv[outIndex + 1] : 'build/corpus');
  const started = Date.now();
  const build = buildCorpus(DEFAULT_CORPUS_OPTIONS, (line) => process.stderr.write(`${line}\n`));
  const { manifest } = writeCorpus(build, outDir);
  const totals = (manifest as { totals: Record<string, number> }).totals;
  process.stderr.write(
    `wrote ${outDir}: ${totals.documents} documents, ${totals.chunks} chunks (${totals.testChunks} held out), ${(totals.characters / 1e6).toFixed(1)} MB, ${totals.words} words in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (require.main === module) main();
