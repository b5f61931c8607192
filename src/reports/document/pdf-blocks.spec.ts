import { groupRuns, heatColor } from './pdf-heat-text';
import { tableColumns } from './pdf-table';
import { formatShare } from './pdf-figures';

describe('heat map shading', () => {
  it('tints by sign in two hues, stronger with |weight|, none for null or ~0', () => {
    expect(heatColor(null)).toBeNull();
    expect(heatColor(0)).toBeNull();
    expect(heatColor(Number.NaN)).toBeNull();
    const positive = heatColor(0.8)!;
    const negative = heatColor(-0.8)!;
    expect(positive[2]).toBeGreaterThan(positive[0]); // blue
    expect(negative[0]).toBeGreaterThan(negative[2]); // orange
    const weak = heatColor(0.2)!;
    expect(weak[0]).toBeGreaterThan(positive[0]); // lighter
    expect(heatColor(5)).toEqual(heatColor(1));
  });

  it('never breaks a word that spans runs, and keeps newlines as breaks', () => {
    const groups = groupRuns([
      { text: 'un', weight: 0.2 },
      { text: 'believ', weight: 0.9 },
      { text: 'able ', weight: -0.1 },
      { text: 'plain text\nnext', weight: null },
    ]);
    expect(groups.map((g) => g.pieces.map((p) => p.text).join(''))).toEqual([
      'unbelievable',
      'plain',
      'text',
      'next',
    ]);
    expect(groups[0].pieces.map((p) => p.weight)).toEqual([0.2, 0.9, -0.1]);
    expect(groups[2].breaks).toBe(1);
  });
});

describe('table columns', () => {
  it('share the width by relative weight and right-align numeric columns', () => {
    const columns = tableColumns(
      {
        type: 'table',
        columns: [
          { header: 'Name', width: 3 },
          { header: 'Share' },
          { header: 'Id', align: 'left' },
        ],
        rows: [
          ['alpha', '12.5%', '1'],
          ['beta', '1,024', '2'],
        ],
      },
      10,
      500,
    );
    expect(columns.map((c) => c.width)).toEqual([300, 100, 100]);
    expect(columns.map((c) => c.x)).toEqual([10, 310, 410]);
    expect(columns.map((c) => c.align)).toEqual(['left', 'right', 'left']);
  });
});

describe('concept bar shares', () => {
  it('are percentages with one decimal, clamped', () => {
    expect(formatShare(0.234)).toBe('23.4%');
    expect(formatShare(1.7)).toBe('100.0%');
    expect(formatShare(Number.NaN)).toBe('0.0%');
  });
});
