import { figuresTable, formatFigure, relativeDifference } from 'training/eval/eval-report';

describe('the model:eval report', () => {
  it('formats integers whole, tiny errors as exponents, the rest to six digits', () => {
    expect(formatFigure(366376)).toBe('366376');
    expect(formatFigure(0.0000095367431640625)).toBe('9.54e-6');
    expect(formatFigure(83.26831879238082)).toBe('83.2683');
    expect(formatFigure(null)).toBe('—');
  });

  it('gives the relative difference only for two numbers with a non-zero reference', () => {
    expect(relativeDifference(101, 100)).toBeCloseTo(0.01, 12);
    expect(relativeDifference(1, 0)).toBeUndefined();
    expect(relativeDifference('a', 1)).toBeUndefined();
  });

  it('lists what was evaluated, then the numbers beside the card', () => {
    const table = figuresTable(
      { package: 'm 1.0.0', perplexity: 101, backbonePerplexity: null },
      { perplexity: 100 },
    );
    expect(table.split('\n')).toEqual([
      'package: m 1.0.0',
      '',
      'figure              value  card  relative diff',
      '------------------  -----  ----  -------------',
      'perplexity            101   100         1.0e-2',
      'backbonePerplexity      —     —',
    ]);
  });

  it("notes under the table that the detected figures are not the goal's precision@3", () => {
    const detected = {
      attributionPrecisionAt3: 0.316,
      attributionDetectedPrecisionAt3: 0.5,
      attributionDetectedCited: 2,
      attributionDetectedCoverage: 0.86,
      attributionDetectedTop1Accuracy: 0.6,
    };
    expect(figuresTable(detected).split('\n').slice(-2)).toEqual([
      '',
      "attributionDetected*: among detected concepts (p ≥ 0.5), not the goal's figure: precision 0.500 on the 86% of labelled chunks that cite one, 2.00 cited per labelled chunk, top-1 accuracy 0.600",
    ]);
    expect(figuresTable({ attributionPrecisionAt3: 0.316 })).not.toContain('attributionDetected');
  });
});
