/**
 * Record-level figures from per-chunk attributions. A record's chunks differ in length, so every
 * per-chunk share is averaged with the chunk's length in tokens (end − start) as its weight: a
 * concept that carries a 40-token chunk weighs four times one that carries a 10-token chunk.
 */
import { RecordBody, RecordChunk } from 'src/evidence-format/record-body';
import { citeKey } from './cite-resolver';
import { ContextWord } from './explanation.types';

/** Each chunk's weight (its token length over the record's), summing to 1; equal if all empty. */
export function chunkWeights(chunks: RecordChunk[]): number[] {
  const lengths = chunks.map((c) => Math.max(0, c.end - c.start));
  const total = lengths.reduce((a, b) => a + b, 0);
  if (total === 0) return chunks.map(() => 1 / chunks.length);
  return lengths.map((l) => l / total);
}

/** The length-weighted mean of one per-chunk number (0 without chunks). */
export function weightedMean(chunks: RecordChunk[], value: (c: RecordChunk) => number): number {
  const weights = chunkWeights(chunks);
  return chunks.reduce((sum, c, i) => sum + weights[i] * value(c), 0);
}

export interface ShareSummary {
  named: number;
  unnamed: number;
  residual: number;
  /** The steering term's share (0 without steering). */
  steering: number;
}

export function shareSummary(body: RecordBody): ShareSummary {
  const mean = (f: (c: RecordChunk) => number) => weightedMean(body.chunks, f);
  return {
    named: mean((c) => c.concepts.knownShare),
    unnamed: mean((c) => c.concepts.unknownShare),
    residual: mean((c) => c.concepts.epsilonShare),
    steering: mean((c) => c.concepts.steeringShare),
  };
}

export interface ConceptAggregate {
  /** The concept key (or `#id` when the record names none). */
  key: string;
  id: number;
  /** The name the record gives, if any. */
  recordName: string | undefined;
  /** Length-weighted share over all chunks (a chunk without the concept counts 0). */
  share: number;
  /** `chunks[c].concepts.known[j].share` of every chunk that lists it. */
  cites: string[];
  /**
   * The highest detection of the chunks that list it (concept method version 3); undefined when
   * any of them states none (records made before, or a record that mixes versions), since the
   * highest is then not known.
   */
  detection: number | undefined;
  /** `chunks[c].concepts.known[j].detection` of every chunk that states it. */
  detectionCites: string[];
}

/** Named concepts over the record, largest share first (ties by key, for determinism). */
export function aggregateNamedConcepts(body: RecordBody): ConceptAggregate[] {
  const weights = chunkWeights(body.chunks);
  const byKey = new Map<string, ConceptAggregate>();
  body.chunks.forEach((chunk, c) => {
    chunk.concepts.known.forEach((k, j) => {
      const key = k.key ?? `#${k.id}`;
      const entry = byKey.get(key) ?? {
        key,
        id: k.id,
        recordName: k.name,
        share: 0,
        cites: [],
        detection: undefined,
        detectionCites: [],
      };
      entry.share += weights[c] * k.share;
      entry.cites.push(`chunks[${c}].concepts.known[${j}].share`);
      if (k.detection !== undefined) {
        entry.detection = Math.max(entry.detection ?? 0, k.detection);
        entry.detectionCites.push(`chunks[${c}].concepts.known[${j}].detection`);
      }
      byKey.set(key, entry);
    });
  });
  const aggregates = [...byKey.values()].map((entry) =>
    entry.detectionCites.length === entry.cites.length
      ? entry
      : { ...entry, detection: undefined, detectionCites: [] },
  );
  return aggregates.sort((a, b) => b.share - a.share || compare(a.key, b.key));
}

export interface SourceAggregate {
  source: string;
  share: number;
  cites: string[];
}

/** Training sources over the record (length-weighted source shares), largest first. */
export function aggregateSources(body: RecordBody): SourceAggregate[] {
  const weights = chunkWeights(body.chunks);
  const bySource = new Map<string, SourceAggregate>();
  body.chunks.forEach((chunk, c) => {
    for (const [source, share] of Object.entries(chunk.trainingData.sources)) {
      const entry = bySource.get(source) ?? { source, share: 0, cites: [] };
      entry.share += weights[c] * share;
      entry.cites.push(`chunks[${c}].trainingData.sources${citeKey(source)}`);
      bySource.set(source, entry);
    }
  });
  return [...bySource.values()].sort((a, b) => b.share - a.share || compare(a.source, b.source));
}

export interface WordAggregate {
  word: string;
  start: number;
  end: number;
  /** Summed over the chunks: the drop in the whole output's log-probability when masked. */
  effect: number;
  /** The chunks whose context attribution gave the word a non-zero effect. */
  chunks: number[];
}

/**
 * Prompt words over the whole output. Each chunk's effect is the drop of that chunk's summed
 * log-probability, so the sum over chunks is the drop of the whole output's log-probability.
 */
export function aggregateContextWords(perChunk: ContextWord[][]): WordAggregate[] {
  const bySpan = new Map<string, WordAggregate>();
  perChunk.forEach((words, c) => {
    for (const w of words) {
      const span = `${w.start}:${w.end}`;
      const entry = bySpan.get(span) ?? {
        word: w.word,
        start: w.start,
        end: w.end,
        effect: 0,
        chunks: [],
      };
      entry.effect += w.effect;
      if (w.effect !== 0 && !entry.chunks.includes(c)) entry.chunks.push(c);
      bySpan.set(span, entry);
    }
  });
  return [...bySpan.values()].sort((a, b) => b.effect - a.effect || a.start - b.start);
}

/** Code-point order, independent of the locale (the same input gives the same statement). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Who forced a steered concept: the policy in force when its results hold a `steering:<concept>`
 * rule (policies.service applies the policy's steering over the request's), otherwise the
 * application's own request.
 */
export function steeringOrigin(
  body: RecordBody,
  index: number,
): { by: 'policy' | 'request'; cites: string[] } {
  const concept = body.steering[index].concept;
  const rule = body.policy.results.findIndex((r) => r.rule === `steering:${concept}`);
  return rule >= 0
    ? { by: 'policy', cites: [`steering[${index}]`, `policy.results[${rule}]`] }
    : { by: 'request', cites: [`steering[${index}]`] };
}
