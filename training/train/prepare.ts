import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLabeller, CONCEPTS, Labeller } from 'training/concepts/labeller';
import { buildCorpus, CorpusChunk, corpusOptions } from 'training/corpus/build-corpus';
import { SourceName } from 'training/corpus/sources';
import { writeCorpus } from 'training/corpus/corpus.cli';
import { pretokenize, SPACE, Tokenizer, TokenizerData } from 'src/model-package/tokenizer';
import { trainBpe } from 'training/tokenizer/bpe';
import { readChunks } from 'training/tokenizer/tokenizer.cli';
import type { TrainingConfig } from 'training/train/configs';
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
 * The corpus of these sources, built into `buildDir/corpus` once and reused: the build is
 * deterministic, so a cached file is the file a rebuild gives. A cached corpus of other sources
 * is rebuilt, never used.
 */
export function readCorpus(
  buildDir: string,
  sources: readonly SourceName[],
  log: (line: string) => void,
): CorpusChunk[] {
  const corpusDir = join(buildDir, 'corpus');
  const manifestFile = join(corpusDir, 'manifest.json');
  const built = existsSync(manifestFile)
    ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { sources: { name: string }[] }).sources
    : [];
  const same = built.map((s) => s.name).join(' ') === sources.join(' ');
  if (!same || !existsSync(join(corpusDir, 'chunks.jsonl'))) {
    log(`building the corpus of ${sources.join(', ')}`);
    writeCorpus(buildCorpus(corpusOptions(sources)), corpusDir);
    // A tokenizer trained on another corpus is not this corpus's tokenizer.
    if (existsSync(buildDir)) {
      for (const name of readdirSync(buildDir)) {
        if (/^tokenizer-\d+\.json$/.test(name)) rmSync(join(buildDir, name));
      }
    }
  }
  return readChunks(corpusDir);
}

/** A configuration's slice of the corpus: every k-th chunk, so that every source stays in it. */
export function sliceChunks(chunks: CorpusChunk[], maxChunks: number | undefined): CorpusChunk[] {
  if (!maxChunks) return chunks;
  const every = Math.max(1, Math.floor(chunks.length / maxChunks));
  return chunks.filter((_, i) => i % every === 0);
}

/** One chunk as the model sees it: token ids, the labeller's concepts and each one's onset token. */
export function labelChunk(
  chunk: CorpusChunk,
  tokenizer: Tokenizer,
  labeller: Labeller,
): LabelledChunk {
  const { ids, ends } = tokenizer.encodeWithEnds(chunk.text);
  const { conceptIds, onset, starts } = labeller.label(chunk.text);
  return {
    document: chunk.document,
    ids,
    labels: conceptIds,
    onsets: conceptIds.map((id) => tokenAt(ends, onset[id])),
    // The token holding the evidence's first character (its end is past that character).
    starts: conceptIds.map((id) => [...new Set(starts[id].map((s) => tokenAt(ends, s + 1)))]),
  };
}

/** How much a concept's own word counts when the tokenizer chooses merges. */
export const CONCEPT_WORD_BOOST = 8;
/** Seen fewer times than this in the training split, a concept word is not worth a token. */
const CONCEPT_WORD_MIN_COUNT = 5;

/**
 * The named concepts' single-word triggers (as lower-case and capitalised words after a space),
 * seen at least 5 times in the training split, each counted 8 times over: so that "hospital",
 * "prescribed" or "loan" are one token and context attribution can name them whole.
 */
export function conceptWordBoost(texts: readonly string[]): Map<string, number> {
  const labeller = createLabeller();
  const words = new Set<string>();
  CONCEPTS.forEach((_, id) => {
    for (const phrase of labeller.triggers(id).phrases) {
      if (/^[a-z]{3,}$/.test(phrase)) words.add(phrase);
    }
  });
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const piece of pretokenize(text)) {
      const word = piece.startsWith(SPACE) ? piece.slice(1).toLowerCase() : '';
      if (words.has(word)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  const boost = new Map<string, number>();
  for (const [word, n] of counts) {
    if (n < CONCEPT_WORD_MIN_COUNT) continue;
    boost.set(SPACE + word, CONCEPT_WORD_BOOST);
    boost.set(SPACE + word[0].toUpperCase() + word.slice(1), CONCEPT_WORD_BOOST);
  }
  return boost;
}

/** What `prepare` needs of a training configuration. */
export type PrepareSettings = Pick<
  TrainingConfig,
  'vocabSize' | 'maxChunks' | 'sources' | 'boostConceptWords'
>;

/**
 * Corpus, tokenizer and concept labels for a run, each built once into `build/` and reused: the
 * corpus and tokenizer builds are deterministic, so a cached file is the file a rebuild gives.
 */
export function prepare(
  buildDir: string,
  settings: PrepareSettings,
  log: (line: string) => void,
): Prepared {
  const { vocabSize, maxChunks, boostConceptWords } = settings;
  const all = readCorpus(buildDir, settings.sources, log);
  const tokenizerFile = join(buildDir, `tokenizer-${vocabSize}.json`);
  if (!existsSync(tokenizerFile)) {
    log(`training a ${vocabSize}-token BPE tokenizer`);
    // On the whole training split, before any slice: the tokenizer a package ships.
    const texts = all.filter((c) => c.split === 'train').map((c) => c.text);
    // Version 1's tokenizer had no boost: its runs must get the tokenizer they were trained with.
    const boost = boostConceptWords ? conceptWordBoost(texts) : undefined;
    const data = trainBpe(texts, vocabSize, undefined, boost);
    mkdirSync(buildDir, { recursive: true });
    writeFileSync(tokenizerFile, JSON.stringify(data));
  }
  const tokenizer = new Tokenizer(JSON.parse(readFileSync(tokenizerFile, 'utf8')) as TokenizerData);
  const chunks = sliceChunks(all, maxChunks);
  const started = Date.now();
  const labeller = createLabeller();
  const labelled = chunks.map((c) => ({
    split: c.split,
    chunk: labelChunk(c, tokenizer, labeller),
  }));
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
