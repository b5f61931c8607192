import { RecordChunk } from 'src/evidence-format/record-body';
import { conceptDetections, conceptShares } from 'src/records/record-draft';

/** Chunks with only what the search columns read: each named concept's share and detection. */
const chunks = (...known: { key?: string; share: number; detection?: number }[][]): RecordChunk[] =>
  known.map((k) => ({ concepts: { known: k } }) as unknown as RecordChunk);

describe("a record's search columns", () => {
  it("hold each named concept's highest detection over the chunks", () => {
    const record = chunks(
      [
        { key: 'health.medication', share: 0.3, detection: 0.2 },
        { key: 'finance.credit', share: 0.1, detection: 0.7 },
        { share: 0.5, detection: 0.99 },
      ],
      [
        { key: 'health.medication', share: 0.1, detection: 0.6 },
        { key: 'finance.credit', share: 0.2, detection: 0.1 },
      ],
    );
    expect(conceptDetections(record)).toEqual({ 'health.medication': 0.6, 'finance.credit': 0.7 });
    // Shares are the highest too, each on its own: not the detected chunk's share.
    expect(conceptShares(record)).toEqual({ 'health.medication': 0.3, 'finance.credit': 0.2 });
  });

  it('keep a detection of 0, and state none for records before method version 3', () => {
    expect(conceptDetections(chunks([{ key: 'a', share: 0.2, detection: 0 }]))).toEqual({ a: 0 });
    expect(conceptDetections(chunks([{ key: 'a', share: 0.2 }], []))).toBeNull();
    expect(conceptDetections([])).toBeNull();
  });
});
