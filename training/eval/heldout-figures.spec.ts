import { BOS } from 'src/model-package/tokenizer';
import { HeldOutFigures, heldOutSequences, macroAuroc } from 'training/eval/heldout-figures';

const chunk = (ids: number[], labels: number[] = []) => ({
  document: 'd',
  ids,
  labels,
  onsets: labels.map(() => 0),
});

describe('held-out windows', () => {
  it('cuts a chunk into windows of the context length, each restarting from [BOS]', () => {
    expect(heldOutSequences([chunk([7, 8, 9, 10, 11])], 3)).toEqual([
      [
        [BOS, 7, 8],
        [BOS, 9, 10],
        [BOS, 11],
      ],
    ]);
  });
});

describe('the held-out figures', () => {
  it('takes the perplexity over every position and the shares over positions with any mass', () => {
    const figures = new HeldOutFigures(1);
    // p = 1/2, then 1/4: perplexity exp((ln 2 + ln 4) / 2) = 2^1.5.
    figures.addPosition({
      logProb: Math.log(0.5),
      knownAbs: 1,
      unknownAbs: 2,
      epsAbs: 1,
      completenessError: 2e-6,
    });
    figures.addPosition({
      logProb: Math.log(0.25),
      knownAbs: 0,
      unknownAbs: 1,
      epsAbs: 3,
      completenessError: 5e-6,
    });
    // No mass at all: counts for the perplexity, has no share.
    figures.addPosition({
      logProb: Math.log(0.5),
      knownAbs: 0,
      unknownAbs: 0,
      epsAbs: 0,
      completenessError: 0,
    });
    figures.addChunk([0.9], [0]);
    const result = figures.result();
    expect(result.perplexity).toBeCloseTo(Math.exp((2 * Math.log(2) + Math.log(4)) / 3), 12);
    // Concept shares 3/4 and 1/4 (median 1/2); known shares 1/4 and 0 (median 1/8).
    expect(result.conceptShare).toBeCloseTo(0.5, 12);
    expect(result.knownShare).toBeCloseTo(0.125, 12);
    expect(result.completenessMaxError).toBe(5e-6);
    expect(result.tokens).toBe(3);
    expect(result.chunks).toBe(1);
  });

  it('scores each concept by its best position per chunk against the chunk labels', () => {
    const figures = new HeldOutFigures(2);
    // Concept 0 on in chunks 0-4 with high scores, off in 5-9 with low ones: AUROC 1.
    // Concept 1 on in four chunks only: too few positives to be scored.
    for (let c = 0; c < 10; c++) {
      figures.addChunk(
        [c < 5 ? 0.8 + c / 100 : 0.1, 0.5],
        [...(c < 5 ? [0] : []), ...(c < 4 ? [1] : [])],
      );
    }
    figures.addPosition({
      logProb: 0,
      knownAbs: 0,
      unknownAbs: 0,
      epsAbs: 1,
      completenessError: 0,
    });
    const result = figures.result();
    expect(result.conceptAuroc).toBe(1);
    expect(result.conceptsScored).toBe(1);
  });

  it('averages AUROC over concepts with at least five positives and five negatives', () => {
    const y = [true, true, true, true, true, false, false, false, false, false];
    const perfect = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const reversed = [...perfect].reverse();
    expect(macroAuroc([perfect, reversed], [y, y])).toEqual({ auroc: 0.5, scored: 2 });
    const fewNegatives = [true, true, true, true, true, true, false, false, false, false];
    expect(macroAuroc([perfect, reversed], [y, fewNegatives])).toEqual({ auroc: 1, scored: 1 });
  });
});
