import { TopLevelSpec } from 'vega-lite';
import { escapeXml, legendColumns, noDataChart, renderChart } from 'src/charts/chart';
import {
  chartWidth,
  formatCount,
  listSome,
  percent,
  requireCount,
  requireShare,
  uniqueLabels,
} from 'src/charts/chart-input';
import { dejaVuWidth } from 'src/charts/text-width';
import { fontFamilies, svgTexts } from 'test/support/chart-svg';

/** A spec whose bars are clipped, so vega writes clip paths with its process-wide counter. */
const CLIPPED: TopLevelSpec = {
  data: { values: [{ label: 'a', value: 2 }] },
  mark: { type: 'bar', clip: true },
  encoding: {
    y: { field: 'label', type: 'nominal' },
    x: { field: 'value', type: 'quantitative', scale: { domain: [0, 1] } },
  },
};

describe('renderChart', () => {
  it('gives byte-identical SVG for the same spec, although vega counts clip paths per process', async () => {
    const first = await renderChart(CLIPPED, 'alt', 480, 40);
    const second = await renderChart(CLIPPED, 'alt', 480, 40);
    expect(first.svg).toContain('clip-path="url(#chart-');
    expect(first.svg).not.toMatch(/id="clip\d+"/);
    expect(second.svg).toBe(first.svg);
  });

  it('names ids after the content, so two different charts on one page never share one', async () => {
    const one = await renderChart(CLIPPED, 'one', 480, 40);
    const other = await renderChart(CLIPPED, 'one', 400, 40);
    const ids = (svg: string) => [...svg.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(one.svg)).toHaveLength(1);
    expect(ids(other.svg)).toHaveLength(1);
    expect(ids(one.svg)[0]).not.toBe(ids(other.svg)[0]);
  });

  it('gives the SVG root role="img", the escaped alt text as aria-label and a <title>', async () => {
    const chart = await renderChart(CLIPPED, 'Shares of "a" & <b>', 480, 40);
    expect(chart.svg).toMatch(
      /^<svg [^>]* role="img" aria-label="Shares of &quot;a&quot; &amp; &lt;b&gt;"><title>Shares of &quot;a&quot; &amp; &lt;b&gt;<\/title>/,
    );
    expect(chart.alt).toBe('Shares of "a" & <b>');
  });

  it('is exactly the requested width and reports the viewBox size', async () => {
    const chart = await renderChart(CLIPPED, 'alt', 360, 40);
    expect(chart.width).toBe(360);
    expect(chart.svg).toContain(`viewBox="0 0 360 ${chart.height}"`);
  });

  it('writes every text in DejaVu Sans', async () => {
    const chart = await renderChart(CLIPPED, 'alt', 480, 40);
    expect(fontFamilies(chart.svg)).toEqual(['DejaVu Sans']);
  });
});

describe('noDataChart', () => {
  it('says "No data" in a valid, labelled SVG', async () => {
    const chart = await noDataChart('Volume: no data.', 480);
    expect(svgTexts(chart.svg)).toEqual(['No data']);
    expect(chart.svg).toContain('aria-label="Volume: no data."');
    expect(chart.svg).toMatch(/^<svg [\s\S]*<\/svg>$/);
    expect(chart.width).toBe(480);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});

describe('legendColumns', () => {
  it('puts short labels on one row and wraps long ones', () => {
    expect(legendColumns(['Pass', 'Flag', 'Block'], 480)).toBe(3);
    expect(
      legendColumns(['A rather long legend label', 'Another long legend label', 'x'], 300),
    ).toBe(1);
  });
});

describe('chart input', () => {
  it('defaults the width to 480 and rejects widths out of range', () => {
    expect(chartWidth(undefined)).toBe(480);
    expect(chartWidth({ width: 600 })).toBe(600);
    expect(() => chartWidth({ width: 100 })).toThrow(/width must be an integer from 240/);
    expect(() => chartWidth({ width: 480.5 })).toThrow(RangeError);
  });

  it('rejects shares that are NaN, negative or above 1, and clamps float noise', () => {
    expect(() => requireShare(NaN, 'share of row 1')).toThrow(
      'share of row 1 must be a number from 0 to 1, not NaN',
    );
    expect(() => requireShare(-0.01, 'x')).toThrow(RangeError);
    expect(() => requireShare(1.01, 'x')).toThrow(RangeError);
    expect(() => requireShare(Infinity, 'x')).toThrow(RangeError);
    expect(requireShare(1 + 1e-12, 'x')).toBe(1);
    expect(requireShare(0.25, 'x')).toBe(0.25);
  });

  it('rejects counts that are not non-negative integers', () => {
    expect(() => requireCount(-1, 'count')).toThrow('count must be a non-negative integer, not -1');
    expect(() => requireCount(1.5, 'count')).toThrow(RangeError);
    expect(() => requireCount(NaN, 'count')).toThrow(RangeError);
    expect(requireCount(0, 'count')).toBe(0);
  });

  it('numbers repeated labels so two rows never merge into one bar', () => {
    expect(uniqueLabels(['a', 'b', 'a', 'a', ' '])).toEqual([
      'a',
      'b',
      'a (2)',
      'a (3)',
      '(no name)',
    ]);
  });

  it('words percentages, counts and lists', () => {
    expect([0, 0.004, 0.05, 0.083, 0.234, 1].map(percent)).toEqual([
      '0%',
      '0.4%',
      '5%',
      '8.3%',
      '23%',
      '100%',
    ]);
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(999)).toBe('999');
    expect(listSome(['a'])).toBe('a');
    expect(listSome(['a', 'b', 'c'])).toBe('a, b and c');
    expect(listSome(['a', 'b', 'c', 'd'], 2)).toBe('a, b and 2 more');
    expect(listSome(['a, 1', 'b, 2'], 5, '; ')).toBe('a, 1; and b, 2');
  });
});

describe('dejaVuWidth', () => {
  it('measures with DejaVu Sans advance widths, not a flat guess', () => {
    // "i" is 569 and "W" 2025 units of 2048 per em.
    expect(dejaVuWidth('i', 2048)).toBe(569);
    expect(dejaVuWidth('W', 2048)).toBe(2025);
    expect(dejaVuWidth('iW', 11)).toBeCloseTo((569 + 2025) * (11 / 2048), 10);
    expect(dejaVuWidth('中', 10)).toBe(10);
  });
});
