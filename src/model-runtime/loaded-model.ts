import * as ort from 'onnxruntime-node';
import { ChunkProvenance } from 'src/evidence-format/attribution';
import { ModelPackage, PackageShapes } from 'src/model-package/model-package';
import { SignatureTable } from 'src/model-package/signatures';
import { Tokenizer, TokenizerData } from 'src/model-package/tokenizer';

export interface KnownConcept {
  id: number;
  key: string;
  name: string;
  group: string;
  description: string;
  topTokens: string[];
}

export interface UnknownConcept {
  id: number;
  topTokens: string[];
  exemplarChunks: string[];
}

/**
 * The training index, held in typed arrays: 65,554 paragraph signatures and their 2.5 million
 * postings of model 2.3.0 took 450 MB of heap as arrays of [segment, weight] pairs, and take
 * about 40 MB so. Each posting list keeps its segments in ascending order, as the pairs did.
 */
export interface TrainingIndex {
  chunks: ChunkProvenance[];
  /** Per segment (a training paragraph): its chunk, and its character span in the document. */
  segmentChunk: Int32Array;
  segmentStart: Int32Array;
  segmentEnd: Int32Array;
  /**
   * Inverse segment frequency of each concept slot (known id, or n + unknown id): log(N / df).
   * A concept used by every segment says little about which one a text resembles.
   */
  idf: Float64Array;
  /** L2 norm of each segment's idf-weighted signature. */
  norms: Float64Array;
  /** Inverted index: concept slot → [segment, idf-weighted weight] pairs. */
  postings: Postings;
  /** Concept bigrams that some segment keeps, ascending; `bigramPostings` list k is bigram k's. */
  bigrams: Float64Array;
  /** Inverted index: bigram (by its place in `bigrams`) → [segment, idf] pairs. */
  bigramPostings: Postings;
  /** Σ idf of each segment's stored bigrams (the most a text can match). */
  bigramTotals: Float64Array;
  sources: string[];
  /**
   * [concept slot][source]: how much more of the concept's weight each source carries than its
   * size alone would give it (lift), normalised to sum to 1 per concept.
   */
  sourceShares: number[][];
}

/** Lists of [segment, value] pairs in compressed sparse rows: list i is [start[i], start[i + 1]). */
export interface Postings {
  start: Int32Array;
  segment: Int32Array;
  value: Float64Array;
}

/** Builds `lists` posting lists from pairs given list by list or in any order, each kept in order. */
function postingsOf(
  lists: number,
  each: (add: (list: number, segment: number, value: number) => void) => void,
): Postings {
  const start = new Int32Array(lists + 1);
  each((list) => (start[list + 1] += 1));
  for (let i = 0; i < lists; i++) start[i + 1] += start[i];
  const fill = start.slice(0, lists);
  const segment = new Int32Array(start[lists]);
  const value = new Float64Array(start[lists]);
  each((list, seg, v) => {
    segment[fill[list]] = seg;
    value[fill[list]] = v;
    fill[list] += 1;
  });
  return { start, segment, value };
}

/** Place of `bigram` in the ascending `bigrams`, or -1. */
export function bigramPlace(bigrams: Float64Array, bigram: number): number {
  let lo = 0;
  let hi = bigrams.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (bigrams[mid] === bigram) return mid;
    if (bigrams[mid] < bigram) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Everything the runtime needs from one package, in memory, checked, with its ORT session. */
export interface LoadedModel {
  /** The package, without its training signatures (the index holds what is needed). */
  pkg: Omit<ModelPackage, 'signatures'>;
  shapes: PackageShapes;
  tokenizer: Tokenizer;
  known: KnownConcept[];
  unknown: UnknownConcept[];
  /** Row c: the change of every vocabulary logit per unit of known concept c's weight. */
  knownEffects: Float32Array[];
  /**
   * Row c: the part of knownEffects[c] that every named row shares, (r̃_c · m̂) m̂, where r̃_c is
   * the row centred over the vocabulary and m̂ the direction of the mean centred row. What is left
   * (effect − shared) is what concept c says of its own; steering acts on that part only.
   */
  knownShared: Float32Array[];
  unknownEffects: Float32Array[];
  index: TrainingIndex;
  session: ort.InferenceSession;
}

/**
 * ORT on this machine: two intra-op threads without spinning (FACTS.md: fastest for batched runs
 * on two shared cores), sequential execution, all graph optimisations.
 */
export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
};

function rows(buffer: Buffer, offsetBytes: number, count: number, width: number): Float32Array[] {
  // Copy out of the (possibly unaligned) Buffer into one aligned array, then view its rows.
  const all = new Float32Array(count * width);
  new Uint8Array(all.buffer).set(buffer.subarray(offsetBytes, offsetBytes + count * width * 4));
  return Array.from({ length: count }, (_, i) => all.subarray(i * width, (i + 1) * width));
}

export function buildIndex(
  jsonl: string,
  signatures: SignatureTable,
  shares: SourceShares,
  n: number,
  m: number,
): TrainingIndex {
  const chunks = jsonl
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ChunkProvenance);
  const slots = n + m;
  const count = signatures.count;
  /** Segment i's (concept slot, weight) pairs: known id, or n + unknown id. */
  const eachSlot = (i: number, visit: (slot: number, weight: number) => void) =>
    signatures.forEachConcept(i, (known, id, weight) => visit(known ? id : n + id, weight));
  const df = new Float64Array(slots);
  for (let i = 0; i < count; i++) eachSlot(i, (slot) => (df[slot] += 1));
  // Smoothed, so a concept no paragraph uses still counts (strongly) in a query's norm.
  const idf = df.map((d) => Math.log((1 + count) / (1 + d)) + 1);
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let squared = 0;
    eachSlot(i, (slot, w) => {
      const weighted = w * idf[slot];
      squared += weighted * weighted;
    });
    norms[i] = Math.sqrt(squared);
  }
  const postings = postingsOf(slots, (add) => {
    for (let i = 0; i < count; i++) eachSlot(i, (slot, w) => add(slot, i, w * idf[slot]));
  });
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) signatures.forEachBigram(i, (bigram) => seen.add(bigram));
  const bigrams = Float64Array.from(seen).sort();
  seen.clear();
  const bigramTotals = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    signatures.forEachBigram(i, (_, weight) => (bigramTotals[i] += weight));
  }
  const bigramPostings = postingsOf(bigrams.length, (add) => {
    for (let i = 0; i < count; i++) {
      signatures.forEachBigram(i, (bigram, weight) => add(bigramPlace(bigrams, bigram), i, weight));
    }
  });
  // A concept's share per source, divided by the source's share of the training chunks (lift):
  // otherwise the largest source would lead every mixture for its size alone.
  const prevalence = shares.sources.map(
    (source) => chunks.filter((c) => c.source === source).length / Math.max(1, chunks.length),
  );
  const sourceShares = Array.from({ length: slots }, (_, slot) => {
    const lift = shares.sources.map((_, s) => {
      const share =
        slot < n ? (shares.known[s]?.[slot] ?? 0) : (shares.unknown[s]?.[slot - n] ?? 0);
      return prevalence[s] > 0 ? share / prevalence[s] : 0;
    });
    const total = lift.reduce((a, b) => a + b, 0);
    return lift.map((x) => (total > 0 ? x / total : 0));
  });
  return {
    chunks,
    segmentChunk: Int32Array.from({ length: count }, (_, i) => signatures.chunk(i)),
    segmentStart: Int32Array.from({ length: count }, (_, i) => signatures.start(i)),
    segmentEnd: Int32Array.from({ length: count }, (_, i) => signatures.end(i)),
    idf,
    norms,
    postings,
    bigrams,
    bigramPostings,
    bigramTotals,
    sources: shares.sources,
    sourceShares,
  };
}

export interface SourceShares {
  sources: string[];
  known: number[][];
  unknown: number[][];
}

/** Each row's component along the rows' mean direction, after centring over the vocabulary. */
export function sharedParts(effects: readonly Float32Array[]): Float32Array[] {
  const V = effects[0]?.length ?? 0;
  const centred = effects.map((row) => {
    let mean = 0;
    for (let v = 0; v < V; v++) mean += row[v];
    mean /= V;
    return Float64Array.from(row, (x) => x - mean);
  });
  const direction = new Float64Array(V);
  for (const row of centred) for (let v = 0; v < V; v++) direction[v] += row[v];
  let norm = 0;
  for (let v = 0; v < V; v++) norm += direction[v] * direction[v];
  norm = Math.sqrt(norm);
  if (norm === 0) return effects.map(() => new Float32Array(V));
  for (let v = 0; v < V; v++) direction[v] /= norm;
  return centred.map((row) => {
    let along = 0;
    for (let v = 0; v < V; v++) along += row[v] * direction[v];
    return Float32Array.from(direction, (d) => along * d);
  });
}

/** Builds the in-memory model from a checked package (its bytes, never its paths again). */
export async function loadModel(pkg: ModelPackage): Promise<LoadedModel> {
  const { signatures, ...kept } = pkg;
  const bytes = (file: string) => {
    const b = pkg.contents.get(file);
    if (!b) throw new Error(`model package: ${file}: not loaded`);
    return b;
  };
  const json = <T>(file: string) => JSON.parse(bytes(file).toString('utf8')) as T;
  const shapes = pkg.manifest.shapes;
  const concepts = json<{ known: KnownConcept[]; unknown: UnknownConcept[] }>('concepts.json');
  const effects = bytes('effects.bin');
  const session = await ort.InferenceSession.create(bytes('model.onnx'), SESSION_OPTIONS);
  const knownEffects = rows(
    effects,
    pkg.manifest.effects.knownOffset,
    shapes.knownConcepts,
    shapes.vocabSize,
  );
  return {
    pkg: kept,
    shapes,
    tokenizer: new Tokenizer(json<TokenizerData>('tokenizer.json')),
    known: concepts.known,
    unknown: concepts.unknown,
    knownEffects,
    // Zero shared parts steer on the whole row: packages that do not say otherwise.
    knownShared:
      pkg.manifest.steering === 'concept-specific'
        ? sharedParts(knownEffects)
        : knownEffects.map((row) => new Float32Array(row.length)),
    unknownEffects: rows(
      effects,
      pkg.manifest.effects.unknownOffset,
      shapes.unknownConcepts,
      shapes.vocabSize,
    ),
    index: buildIndex(
      bytes('training-index.jsonl').toString('utf8'),
      signatures,
      json<SourceShares>('source-concepts.json'),
      shapes.knownConcepts,
      shapes.unknownConcepts,
    ),
    session,
  };
}
