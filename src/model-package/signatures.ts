/**
 * training-signatures.bin: the concept signature of every training segment (a paragraph of a
 * training chunk, read on its own from model 2.3.0, in the chunk's context before; the package's
 * manifest says which, `training.trainingIndex.paragraphs`), as fixed-size little-endian records:
 *
 *   u32 chunk index (line of training-index.jsonl)
 *   u32 start, u32 end (character span of the segment in its document, end exclusive)
 *   KNOWN_SLOTS × (u16 concept id, u8 weight)      known concepts, largest first
 *   UNKNOWN_SLOTS × (u16 concept id, u8 weight)    unknown concepts, largest first
 *   SEQUENCE_SLOTS × (u32 concept bigram, u8 idf)   the segment's rarest concept bigrams
 *
 * A weight is the segment's mean concept weight (0..1) quantised to 1/255; an empty slot has id
 * 0xffff. Binary because a JSON line per segment would make the file several times larger than
 * the model.
 *
 * The concept bigrams are the order-aware part: each position's strongest known and unknown
 * concept form its symbol, and two consecutive symbols a bigram (`conceptBigram`). A mean
 * signature cannot tell a paragraph from another on the same subject; the rare bigrams a
 * paragraph shares with a text can. Each bigram carries its inverse segment frequency over all
 * segments' bigrams (quantised to 1/16), since the rarest few alone would overstate it.
 */
export const KNOWN_SLOTS = 8;
export const UNKNOWN_SLOTS = 16;
export const SEQUENCE_SLOTS = 16;
export const RECORD_BYTES = 12 + 3 * (KNOWN_SLOTS + UNKNOWN_SLOTS) + 5 * SEQUENCE_SLOTS;
const EMPTY = 0xffff;
const IDF_STEP = 16;

export interface SegmentSignature {
  chunk: number;
  start: number;
  end: number;
  /** [concept id, weight], largest first, weights already quantised. */
  known: [number, number][];
  unknown: [number, number][];
  /** [concept bigram, idf], rarest first, idf already quantised. */
  sequence: [number, number][];
}

/**
 * Position t's symbol: its strongest known concept and its strongest unknown concept, from
 * [T × n] known and [T × m] unknown weights.
 */
export function conceptSymbol(
  knownW: Float32Array,
  unknownW: Float32Array,
  t: number,
  n: number,
  m: number,
): number {
  return strongest(knownW, t * n, n) * m + strongest(unknownW, t * m, m);
}

function strongest(data: Float32Array, from: number, width: number): number {
  let best = 0;
  for (let i = 1; i < width; i++) if (data[from + i] > data[from + best]) best = i;
  return best;
}

/** Two consecutive symbols as one 32-bit value (a murmur3 finaliser over both; 0 never occurs). */
export function conceptBigram(first: number, second: number): number {
  let h = Math.imul(first ^ 0x9e3779b9, 0x85ebca6b) ^ second;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 1 : h;
}

/** The bigrams of a symbol sequence, each once. */
export function conceptBigrams(symbols: readonly number[]): Set<number> {
  const bigrams = new Set<number>();
  for (let i = 1; i < symbols.length; i++) bigrams.add(conceptBigram(symbols[i - 1], symbols[i]));
  return bigrams;
}

/** Inverse segment frequency, smoothed like the concept idf, and quantised as stored. */
export function bigramIdf(segments: number, frequency: number): number {
  const idf = Math.log((1 + segments) / (1 + frequency)) + 1;
  return Math.min(255, Math.round(idf * IDF_STEP)) / IDF_STEP;
}

const quantise = (w: number) => Math.max(0, Math.min(255, Math.round(w * 255)));

/** The largest `slots` weights of a dense row (zero weights are left out). */
export function topWeights(row: ArrayLike<number>, slots: number): [number, number][] {
  const entries: [number, number][] = [];
  for (let id = 0; id < row.length; id++) if (quantise(row[id]) > 0) entries.push([id, row[id]]);
  return entries
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, slots)
    .map(([id, w]) => [id, quantise(w) / 255]);
}

export function encodeSignatures(segments: readonly SegmentSignature[]): Buffer {
  const buffer = Buffer.alloc(segments.length * RECORD_BYTES);
  segments.forEach((s, i) => {
    let at = i * RECORD_BYTES;
    buffer.writeUInt32LE(s.chunk, at);
    buffer.writeUInt32LE(s.start, at + 4);
    buffer.writeUInt32LE(s.end, at + 8);
    at += 12;
    const slots = (entries: [number, number][], count: number) => {
      for (let k = 0; k < count; k++) {
        const entry = entries[k];
        buffer.writeUInt16LE(entry ? entry[0] : EMPTY, at);
        buffer.writeUInt8(entry ? quantise(entry[1]) : 0, at + 2);
        at += 3;
      }
    };
    slots(s.known, KNOWN_SLOTS);
    slots(s.unknown, UNKNOWN_SLOTS);
    for (let k = 0; k < SEQUENCE_SLOTS; k++) {
      const entry = s.sequence[k];
      buffer.writeUInt32LE(entry ? entry[0] : 0, at);
      buffer.writeUInt8(entry ? Math.min(255, Math.round(entry[1] * IDF_STEP)) : 0, at + 4);
      at += 5;
    }
  });
  return buffer;
}

export function decodeSignatures(buffer: Buffer): SegmentSignature[] {
  const table = new SignatureTable(buffer);
  return Array.from({ length: table.count }, (_, i) => {
    const segment: SegmentSignature = {
      chunk: table.chunk(i),
      start: table.start(i),
      end: table.end(i),
      known: [],
      unknown: [],
      sequence: [],
    };
    table.forEachConcept(i, (known, id, weight) =>
      (known ? segment.known : segment.unknown).push([id, weight]),
    );
    table.forEachBigram(i, (bigram, idf) => segment.sequence.push([bigram, idf]));
    return segment;
  });
}

/**
 * training-signatures.bin read in place: each field is read from the file's bytes when asked,
 * with the values `decodeSignatures` gives, and nothing is decoded ahead. Model 2.3.0's 65,554
 * segments decoded as arrays of pairs took about 200 MB of heap for a moment while the runtime
 * built its index from them; read in place they take none beyond the file's 10.8 MB.
 */
export class SignatureTable {
  readonly count: number;
  private readonly view: DataView;

  constructor(buffer: Buffer) {
    if (buffer.byteLength % RECORD_BYTES !== 0) {
      throw new Error(
        `${buffer.byteLength} bytes is not a whole number of ${RECORD_BYTES}-byte records`,
      );
    }
    this.count = buffer.byteLength / RECORD_BYTES;
    this.view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }

  chunk(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES, true);
  }

  start(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES + 4, true);
  }

  end(i: number): number {
    return this.view.getUint32(i * RECORD_BYTES + 8, true);
  }

  /** Segment i's known concepts, then its unknown ones: (id, weight), largest first in each. */
  forEachConcept(i: number, visit: (known: boolean, id: number, weight: number) => void): void {
    let at = i * RECORD_BYTES + 12;
    for (let k = 0; k < KNOWN_SLOTS + UNKNOWN_SLOTS; k++, at += 3) {
      const id = this.view.getUint16(at, true);
      if (id !== EMPTY) visit(k < KNOWN_SLOTS, id, this.view.getUint8(at + 2) / 255);
    }
  }

  /** Segment i's stored concept bigrams: (bigram, idf), rarest first. */
  forEachBigram(i: number, visit: (bigram: number, idf: number) => void): void {
    let at = i * RECORD_BYTES + 12 + 3 * (KNOWN_SLOTS + UNKNOWN_SLOTS);
    for (let k = 0; k < SEQUENCE_SLOTS; k++, at += 5) {
      const bigram = this.view.getUint32(at, true);
      if (bigram !== 0) visit(bigram, this.view.getUint8(at + 4) / IDF_STEP);
    }
  }
}
