import { ExplainedChunk, precisionFigures, topThree } from 'training/eval/explanation-eval';

const chunk = (
  labels: string[],
  known: ExplainedChunk['known'],
  group = 'legal',
): ExplainedChunk => ({ group, labels: new Set(labels), known });

describe('the top three named concepts', () => {
  it('are the three largest positive contributions with a key, largest first', () => {
    const known = [
      { key: 'a', contribution: 1 },
      { key: 'b', contribution: -2 },
      { contribution: 9 },
      { key: 'c', contribution: 3 },
      { key: 'd', contribution: 0 },
      { key: 'e', contribution: 2 },
      { key: 'f', contribution: 0.5 },
    ];
    expect(topThree(known)).toEqual(['c', 'e', 'a']);
    // The record's own order is left as it was.
    expect(known.map((c) => c.key)).toEqual(['a', 'b', undefined, 'c', 'd', 'e', 'f']);
  });
});

describe('attribution precision figures', () => {
  const chunks = [
    // The top contributor is undetected and wrong: it counts against the goal's figure only.
    chunk(
      ['a'],
      [
        { key: 'x', contribution: 3, detection: 0.2 },
        { key: 'a', contribution: 2, detection: 0.9 },
        // A concept without a detection is not undetected: it is cited.
        { key: 'y', contribution: 1 },
        { key: 'z', contribution: -1, detection: 0.9 },
      ],
    ),
    // Nothing detected: in the goal's figure, left out of the detected precision.
    chunk(
      ['b'],
      [
        { key: 'c', contribution: 2, detection: 0.1 },
        { key: 'b', contribution: 1, detection: 0.3 },
      ],
    ),
    // No labels: counted as a chunk, not measured.
    chunk([], [{ key: 'q', contribution: 1, detection: 0.9 }]),
    // Detected at exactly 0.5; just below is not.
    chunk(
      ['d', 'e'],
      [
        { key: 'd', contribution: 1, detection: 0.5 },
        { key: 'e', contribution: 0.5, detection: 0.49 },
        { key: 'f', contribution: 0.2, detection: 0.1 },
      ],
      'health',
    ),
  ];

  it("keeps the goal's precision@3 over every concept, detected or not", () => {
    const figures = precisionFigures(chunks, ['legal', 'health', 'finance']);
    expect(figures.chunks).toBe(4);
    expect(figures.labelledChunks).toBe(3);
    // Top three: [x, a, y] 1/3, [c, b] 1/2, [d, e, f] 2/3.
    expect(figures.precisionAt3).toBeCloseTo((1 / 3 + 1 / 2 + 2 / 3) / 3, 12);
    expect(figures.precisionAt3Ceiling).toBeCloseTo((1 / 3 + 1 / 3 + 2 / 3) / 3, 12);
    expect(figures.recallAt3).toBeCloseTo(1, 12);
    expect(figures.top1Accuracy).toBeCloseTo(1 / 3, 12);
    expect(figures.byGroup.legal).toEqual({ chunks: 2, precisionAt3: (1 / 3 + 1 / 2) / 2 });
    expect(figures.byGroup.health.chunks).toBe(1);
    expect(figures.byGroup.finance.chunks).toBe(0);
    expect(figures.byGroup.finance.precisionAt3).toBeNaN();
  });

  it('measures the detected figures on the chunks that cite a detected concept', () => {
    const { detected } = precisionFigures(chunks, ['legal', 'health']);
    // Cited: [a, y] 1/2, none, [d] 1.
    expect(detected.precisionAt3).toBeCloseTo((1 / 2 + 1) / 2, 12);
    expect(detected.cited).toBeCloseTo((2 + 0 + 1) / 3, 12);
    expect(detected.coverage).toBeCloseTo(2 / 3, 12);
    expect(detected.top1Accuracy).toBe(1);
  });

  it('reads concepts without a detection as detected, and says nothing without a citing chunk', () => {
    const older = chunks.map((c) => ({
      ...c,
      known: c.known.map(({ key, contribution }) => ({ key, contribution })),
    }));
    const figures = precisionFigures(older, ['legal', 'health']);
    expect(figures.detected.precisionAt3).toBeCloseTo(figures.precisionAt3, 12);
    expect(figures.detected.top1Accuracy).toBeCloseTo(figures.top1Accuracy, 12);
    expect(figures.detected.coverage).toBe(1);
    const none = precisionFigures([chunks[1]], ['legal']).detected;
    expect(none.coverage).toBe(0);
    expect(none.cited).toBe(0);
    expect(none.precisionAt3).toBeNaN();
  });
});
