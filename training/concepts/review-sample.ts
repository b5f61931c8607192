import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONCEPTS, createLabeller, sampleForReview } from 'training/concepts/labeller';
import type { CorpusChunk } from 'training/corpus/build-corpus';

/**
 * `node -r @swc-node/register training/concepts/review-sample.ts`: labels every corpus
 * chunk and writes the precision hand-check sample (20 labelled chunks per concept group, seed
 * 20261124) to build/concept-review-sample.json. The judgments themselves are in
 * precision-review.json next to this file.
 */
export const REVIEW_SEED = 20261124;
export const REVIEW_PER_GROUP = 20;

const CORPUS = resolve('build/corpus/chunks.jsonl');
const OUT = resolve('build/concept-review-sample.json');

function main(): void {
  const chunks = readFileSync(CORPUS, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as CorpusChunk);
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const byKey = new Map(CONCEPTS.map((c) => [c.key, c]));
  const started = Date.now();
  const sample = sampleForReview(chunks, REVIEW_PER_GROUP, REVIEW_SEED, createLabeller());
  const items = sample.map((item) => ({
    chunk: item.id,
    source: byId.get(item.id)?.source,
    group: item.group,
    concepts: item.concepts.map((c) => ({
      key: c.key,
      description: byKey.get(c.key)?.description,
      evidence: c.evidence,
    })),
    text: item.text,
  }));
  const perGroup: Record<string, number> = {};
  for (const it of items) perGroup[it.group] = (perGroup[it.group] ?? 0) + 1;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        seed: REVIEW_SEED,
        sampledPerGroup: REVIEW_PER_GROUP,
        chunksLabelled: chunks.length,
        items: items.length,
        labels: items.reduce((n, it) => n + it.concepts.length, 0),
        perGroup,
        sample: items,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(
    `${items.length} items from ${chunks.length} chunks in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${OUT}\n`,
  );
}

if (require.main === module) main();
