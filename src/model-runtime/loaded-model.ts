import * as ort from 'onnxruntime-node';
import { ChunkProvenance } from 'src/evidence-format/attribution';
import { ModelPackage, PackageShapes } from 'src/model-package/model-package';
import { SegmentSignature } from 'src/model-package/signatures';
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

export interface TrainingIndex {
  chunks: ChunkProvenance[];
  segments: SegmentSignature[];
  /**
   * Inverse segment frequency of each concept slot (known id, or n + unknown id): log(N / df).
   * A concept used by every segment says little about which one a text resembles.
   */
  idf: Float64Array;
  /** L2 norm of each segment's idf-weighted signature. */
  norms: Float64Array;
  /** Inverted index: concept slot → [segment, idf-weighted weight] pairs. */
  postings: [number, number][][];
  /** Inverted index: concept bigram → [segment, idf] pairs. */
  bigramPostings: Map<number, [number, number][]>;
  /** Σ idf of each segment's stored bigrams (the most a text can match). */
  bigramTotals: Float64Array;
  sources: string[];
  /**
   * [concept slot][source]: how much more of the concept's weight each source carries than its
   * size alone would give it (lift), normalised to sum to 1 per concept.
   */
  sourceShares: number[][];
}

/** Everything the runtime needs from one package, in memory, checked, with its ORT session. */
export interface LoadedModel {
  pkg: ModelPackage;
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

function buildIndex(
  jsonl: string,
  segments: SegmentSignature[],
  shares: SourceShares,
  n: number,
  m: number,
): TrainingIndex {
  const chunks = jsonl
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ChunkProvenance);
  const slots = n + m;
  const slotEntries = (s: SegmentSignature): [number, number][] => [
    ...s.known,
    ...s.unknown.map(([id, w]): [number, number] => [n + id, w]),
  ];
  const df = new Float64Array(slots);
  for (const s of segments) for (const [slot] of slotEntries(s)) df[slot] += 1;
  // Smoothed, so a concept no paragraph uses still counts (strongly) in a query's norm.
  const idf = df.map((d) => Math.log((1 + segments.length) / (1 + d)) + 1);
  const postings: [number, number][][] = Array.from({ length: slots }, () => []);
  const norms = new Float64Array(segments.length);
  segments.forEach((s, i) => {
    let squared = 0;
    for (const [slot, w] of slotEntries(s)) {
      const weighted = w * idf[slot];
      postings[slot].push([i, weighted]);
      squared += weighted * weighted;
    }
    norms[i] = Math.sqrt(squared);
  });
  const bigramPostings = new Map<number, [number, number][]>();
  const bigramTotals = new Float64Array(segments.length);
  segments.forEach((s, i) => {
    for (const [bigram, weight] of s.sequence) {
      let list = bigramPostings.get(bigram);
      if (!list) bigramPostings.set(bigram, (list = []));
      list.push([i, weight]);
      bigramTotals[i] += weight;
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
    segments,
    idf,
    norms,
    postings,
    bigramPostings,
    bigramTotals,
    sources: shares.sources,
    sourceShares,
  };
}

interface SourceShares {
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
    pkg,
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
      pkg.segments,
      json<SourceShares>('source-concepts.json'),
      shapes.knownConcepts,
      shapes.unknownConcepts,
    ),
    session,
  };
}
