import {
  VolumePoint,
  conceptDrift,
  policyOutcomes,
  volumeOverTime,
} from 'src/charts/period-charts';
import { fontFamilies, markLabels, svgTexts, visibleTexts } from 'test/support/chart-svg';

let warn: jest.SpyInstance;
beforeEach(() => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  // vega and vega-lite report spec mistakes through console.warn; the specs here make none.
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

/** Three days, the second without any generation. */
const POINTS: VolumePoint[] = [
  { period: '2026-03-01', outcome: 'pass', count: 120 },
  { period: '2026-03-01', outcome: 'flag', count: 7 },
  { period: '2026-03-03', outcome: 'pass', count: 90 },
  { period: '2026-03-03', outcome: 'block', count: 3 },
  { period: '2026-03-03', outcome: 'pass', count: 10 },
];

describe('volumeOverTime', () => {
  it('stacks pass, flag and block per day, draws empty days, and adds up repeated points', async () => {
    const chart = await volumeOverTime(POINTS, { unit: 'day' });
    expect(markLabels(chart.svg, 'bar')).toEqual([
      '1 Mar 2026: 120 passed',
      '1 Mar 2026: 7 flagged',
      '1 Mar 2026: 0 blocked',
      '2 Mar 2026: 0 passed',
      '2 Mar 2026: 0 flagged',
      '2 Mar 2026: 0 blocked',
      '3 Mar 2026: 100 passed',
      '3 Mar 2026: 0 flagged',
      '3 Mar 2026: 3 blocked',
    ]);
    expect(visibleTexts(chart.svg)).toEqual(
      expect.arrayContaining(['1 Mar', '2 Mar', '3 Mar', 'Pass', 'Flag', 'Block', 'Day (UTC)']),
    );
    expect(chart.alt).toBe(
      'Generations per day (UTC) from 1 Mar 2026 to 3 Mar 2026: 230 in total, 220 passed, 7 flagged, 3 blocked. The busiest day was 1 Mar 2026 with 127.',
    );
  });

  it('uses the Okabe–Ito colours for the outcomes', async () => {
    const chart = await volumeOverTime(POINTS, { unit: 'day' });
    for (const colour of ['#009E73', '#E69F00', '#D55E00']) expect(chart.svg).toContain(colour);
  });

  it('thins the tick labels of many buckets so they do not overlap', async () => {
    const points: VolumePoint[] = Array.from({ length: 96 }, (_, h) => ({
      period: new Date(Date.UTC(2026, 2, 1, h)).toISOString(),
      outcome: 'pass',
      count: h,
    }));
    const chart = await volumeOverTime(points, { unit: 'hour' });
    expect(markLabels(chart.svg, 'bar')).toHaveLength(96 * 3);
    const ticks = visibleTexts(chart.svg).filter((text) => /^\d+ Mar \d\d:00$/.test(text));
    expect(ticks.length).toBeGreaterThan(2);
    expect(ticks.length).toBeLessThanOrEqual(8);
    expect(ticks[0]).toBe('1 Mar 00:00');
  });

  it('adds the year to day labels of a period that crosses into a new year', async () => {
    const chart = await volumeOverTime(
      [
        { period: '2025-12-31', outcome: 'pass', count: 1 },
        { period: '2026-01-01', outcome: 'pass', count: 2 },
      ],
      { unit: 'day' },
    );
    expect(visibleTexts(chart.svg)).toEqual(expect.arrayContaining(['31 Dec 2025', '1 Jan 2026']));
  });

  it('gives the same bytes for the same points in any order', async () => {
    const forward = await volumeOverTime(POINTS, { unit: 'day' });
    const backward = await volumeOverTime([...POINTS].reverse(), { unit: 'day' });
    expect(backward.svg).toBe(forward.svg);
  });

  it('rejects bad counts, outcomes, periods off the grid and too many buckets', async () => {
    const day = (count: number): VolumePoint[] => [
      { period: '2026-03-01', outcome: 'pass', count },
    ];
    await expect(volumeOverTime(day(-1), { unit: 'day' })).rejects.toThrow(
      'count of row 1 ("2026-03-01") must be a non-negative integer, not -1',
    );
    await expect(volumeOverTime(day(NaN), { unit: 'day' })).rejects.toThrow(RangeError);
    await expect(
      volumeOverTime([{ period: '2026-03-01', outcome: 'maybe' as 'pass', count: 1 }], {
        unit: 'day',
      }),
    ).rejects.toThrow('outcome of row 1 ("2026-03-01") is maybe');
    await expect(
      volumeOverTime(
        [
          { period: '2026-03-01', outcome: 'pass', count: 1 },
          { period: '2026-03-01T12:00:00Z', outcome: 'pass', count: 1 },
        ],
        { unit: 'day' },
      ),
    ).rejects.toThrow('period 2026-03-01T12:00:00.000Z is not a day bucket start');
    await expect(
      volumeOverTime(
        [
          { period: '2026-01-01', outcome: 'pass', count: 1 },
          { period: '2026-12-31', outcome: 'pass', count: 1 },
        ],
        { unit: 'hour' },
      ),
    ).rejects.toThrow(/more than 500 hour buckets/);
  });

  it('says "No data" for no points', async () => {
    const chart = await volumeOverTime([], { unit: 'week' });
    expect(svgTexts(chart.svg)).toEqual(['No data']);
    expect(chart.alt).toBe('Generations per week (UTC): no data.');
  });
});

describe('conceptDrift', () => {
  const ROWS = [
    { concept: 'negation', current: 0.62, previous: 0.55 },
    { concept: 'medical dosage', current: 0.31, previous: 0.12 },
    { concept: 'A & <b>', current: 0, previous: 0.2 },
  ];

  it('draws this period and the previous one side by side per concept, in the order given', async () => {
    const chart = await conceptDrift(ROWS, { measure: 'Share of records using the concept' });
    expect(markLabels(chart.svg, 'bar')).toEqual([
      'negation: 62% this period',
      'negation: 55% previous period',
      'medical dosage: 31% this period',
      'medical dosage: 12% previous period',
      'A & <b>: 0% this period',
      'A & <b>: 20% previous period',
    ]);
    expect(visibleTexts(chart.svg)).toEqual(
      expect.arrayContaining([
        'This period',
        'Previous period',
        'Share of records using the concept',
        'A & <b>',
        '100%',
      ]),
    );
    expect(chart.svg).not.toContain('<b>');
    expect(chart.alt).toContain('medical dosage 31% (previously 12%)');
    expect(fontFamilies(chart.svg)).toEqual(['DejaVu Sans']);
  });

  it('rejects a previous value above 1', async () => {
    await expect(conceptDrift([{ concept: 'x', current: 0.1, previous: 1.5 }])).rejects.toThrow(
      'previous value of row 1 ("x") must be a number from 0 to 1, not 1.5',
    );
  });

  it('says "No data" for no concepts', async () => {
    expect(svgTexts((await conceptDrift([])).svg)).toEqual(['No data']);
  });
});

describe('policyOutcomes', () => {
  const ROWS = [
    { application: 'Claims triage', pass: 12040, flag: 830, block: 120 },
    { application: 'Chat <beta> & co', pass: 40210, flag: 2200, block: 910 },
  ];

  it('stacks pass, flag and block per application, in the order given', async () => {
    const chart = await policyOutcomes(ROWS);
    expect(markLabels(chart.svg, 'bar')).toEqual([
      'Claims triage: 12,040 passed',
      'Claims triage: 830 flagged',
      'Claims triage: 120 blocked',
      'Chat <beta> & co: 40,210 passed',
      'Chat <beta> & co: 2,200 flagged',
      'Chat <beta> & co: 910 blocked',
    ]);
    expect(visibleTexts(chart.svg)).toEqual(
      expect.arrayContaining([
        'Claims triage',
        'Chat <beta> & co',
        'Pass',
        'Generations',
        '40,000',
      ]),
    );
    expect(chart.svg).not.toContain('<beta>');
    expect(chart.alt).toBe(
      'Policy outcomes by application: Claims triage: 12,040 passed, 830 flagged, 120 blocked; and Chat <beta> & co: 40,210 passed, 2,200 flagged, 910 blocked.',
    );
  });

  it('renders applications without any generation', async () => {
    const chart = await policyOutcomes([{ application: 'Idle', pass: 0, flag: 0, block: 0 }]);
    expect(markLabels(chart.svg, 'bar')).toHaveLength(3);
  });

  it('rejects negative and fractional counts', async () => {
    await expect(
      policyOutcomes([{ application: 'A', pass: 1, flag: -2, block: 0 }]),
    ).rejects.toThrow('flag count of row 1 ("A") must be a non-negative integer, not -2');
    await expect(
      policyOutcomes([{ application: 'A', pass: 0.5, flag: 0, block: 0 }]),
    ).rejects.toThrow(RangeError);
  });

  it('says "No data" for no applications', async () => {
    expect(svgTexts((await policyOutcomes([])).svg)).toEqual(['No data']);
  });
});
