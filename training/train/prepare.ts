import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLabeller, CONCEPTS } from 'training/concepts/labeller';
import { buildCorpus, CorpusChunk, DEFAULT_CORPUS_OPTIONS } from 'training/corpus/build-corpus';
import { writeCorpus } from 'training/corpus/corpus.cli';
import { Tokenizer, TokenizerData } from 'src/model-package/tokenizer';
import { trainBpe } from 'training/tokenizer/bpe';
import { readChunks } from 'training/tokenizer/tokenizer.cli';
import { LabelledChunk, tokenAt } from 'training/train/data';

export interface Prepared {
  tokenizer: Tokenizer;
  train: LabelledChunk[];
  test: LabelledChunk[];
  /** The corpus records of `train`, index for index. */
  trainChunks: CorpusChunk[];
  chunks: CorpusChunk[];
}

/**
 * Corpus, tokenizer and concept labels for a run, each built once into `build/` and reused: the
 * corpus and tokenizer builds are deterministic, so a cached file is the file a rebuild gives.
 */
export function prepare(
  buildDir: string,
  vocabSize: number,
  maxChunks: number | undefined,
  log: (line: string) => void,
): Prepared {
  const corpusDir = join(buildDir, 'corpus');
  if (!existsSync(join(corpusDir, 'chunks.jsonl'))) {
    log('building the corpus');
    writeCorpus(buildCorpus(DEFAULT_CORPUS_OPTIONS), corpusDir);
  }
  let chunks = readChunks(corpusDir);
  const tokenizerFile = join(buildDir, `tokenizer-${vocabSize}.json`);
  if (!existsSync(tokenizerFile)) {
    log(`training a ${vocabSize}-token BPE tokenizer`);
    const data = trainBpe(
      chunks.filter((c) => c.split === 'train').map((c) => c.text),
      vocabSize,
    );
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(tokenizerFile, JSON.stringify(data));
  }
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')) as TokenizerData);
  if (maxChunks) {
    // A slice that keeps every source: every k-th chunk.
    const every = Math.max(1, Math.floor(chunks.length / maxChunks));
    chunks = chunks.filter((_, i) => i % every === 0);
  }
  const started = Date.now();
  const labeller = createLabeller();
  const labelled = chunks.map((c) => {
    const { ids, ends } = tokenizer.encodeWithEnds(c.text);
    const { conceptIds, onset } = labeller.label(c.text);
    return {
      split: c.split,
      chunk: {
        document: c.document,
        ids,
        labels: conceptIds,
        onsets: conceptIds.map((id) => tokenAt(ends, onset[id])),
      },
    };
  });
  log(
    `tokenized and labelled ${chunks.length} chunks with ${CONCEPTS.length} concepts in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return {
    tokenizer,
    chunks,
    train: labelled.filter((l) => l.split === 'train').map((l) => l.chunk),
    trainChunks: chunks.filter((c) => c.split === 'train'),
    test: labelled.filter((l) => l.split === 'test').map((l) => l.chunk),
  };
}
