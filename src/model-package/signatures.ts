/**
 * training-signatures.bin: the concept signature of every training segment (a paragraph of a
 * training chunk, read in the chunk's context), as fixed-size little-endian records:
 *
 *   u32 chunk index (line of training-index.jsonl)
 *   u32 start, u32 end (character span of the segment in its document, end exclusive)
 *   KNOWN_SLOTS × (u16 concept id, u8 weight)      known concepts, largest first
 *   UNKNOWN_SLOTS × (u16 concept id, u8 weight)    unknown concepts, largest first
 *
 * A weight is the segment's mean concept weight (0..1) quantised to 1/255; an empty slot has id
 * 0xffff. Binary because a JSON line per segment would make the file several times larger than
 * the model.
 */
export const KNOWN_SLOTS = 8;
export const UNKNOWN_SLOTS = 16;
export const RECORD_BYTES = 12 + 3 * (KNOWN_SLOTS + UNKNOWN_SLOTS);
const EMPTY = 0xffff;

export interface SegmentSignature {
  chunk: number;
  start: number;
  end: number;
  /** [concept id, weight], largest first, weights already quantised. */
  known: [number, number][];
  unknown: [number, number][];
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
  });
  return buffer;
}

export function decodeSignatures(buffer: Buffer): SegmentSignature[] {
  if (buffer.byteLength % RECORD_BYTES !== 0) {
    throw new Error(
      `${buffer.byteLength} bytes is not a whole number of ${RECORD_BYTES}-byte records`,
    );
  }
  const count = buffer.byteLength / RECORD_BYTES;
  return Array.from({ length: count }, (_, i) => {
    let at = i * RECORD_BYTES;
    const segment: SegmentSignature = {
      chunk: buffer.readUInt32LE(at),
      start: buffer.readUInt32LE(at + 4),
      end: buffer.readUInt32LE(at + 8),
      known: [],
      unknown: [],
    };
    at += 12;
    const slots = (into: [number, number][], count: number) => {
      for (let k = 0; k < count; k++) {
        const id = buffer.readUInt16LE(at);
        if (id !== EMPTY) into.push([id, buffer.readUInt8(at + 2) / 255]);
        at += 3;
      }
    };
    slots(segment.known, KNOWN_SLOTS);
    slots(segment.unknown, UNKNOWN_SLOTS);
    return segment;
  });
}
