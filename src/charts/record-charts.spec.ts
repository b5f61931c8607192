import { ConceptShareBar, conceptShares, distribution, sourceMix } from 'src/charts/record-charts';
import { fontFamilies, markLabels, svgTexts, visibleTexts } from 'test/support/chart-svg';

const BARS: ConceptShareBar[] = [
  { label: 'negation', share: 0.23, kind: 'named' },
  { label: 'medical dosage', share: 0.12, kind: 'named' },
  { label: 'polite refusal', share: 0.08, kind: 'named', forced: true },
  { label: '#1432', share: 0.05, kind: 'unnamed' },
  { label: 'ε (residual)', share: 0.52, kind: 'residual' },
];

let warn: jest.SpyInstance;
beforeEach(() => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  // vega and vega-lite report spec mistakes through console.warn; the specs here make none.
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

describe('conceptShares', () => {
  it('draws one bar per concept in the order given, with its percentage', async () => {
    const chart = await conceptShares(BARS);
    expect(markLabels(chart.svg, 'bar')).toEqual([
      'negation: 23% (named)',
      'medical dosage: 12% (named)',
      'polite refusal (forced): 8% (named)',
      '#1432: 5% (unnamed)',
      'ε (residual): 52% (residual)',
    ]);
    const texts = visibleTexts(chart.svg);
    expect(texts).toEqual(
      expect.arrayContaining(['negation', 'polite refusal (forced)', '23%', '52%', '0%', '100%']),
    );
    expect(texts).toEqual(expect.arrayContaining(['Named', 'Unnamed', 'Residual (ε)']));
    expect(texts).not.toContain('Steering');
  });

  it('marks forced bars with a dashed outline and says so in the alt text', async () => {
    const chart = await conceptShares(BARS);
    const outlined = [...chart.svg.matchAll(/<path [^>]*stroke-dasharray="4,2"[^>]*>/g)];
    expect(outlined).toHaveLength(1);
    expect(outlined[0][0]).toContain('polite refusal (forced)');
    expect(chart.alt).toBe(
      'Concept shares, 5 bars: negation 23%, medical dosage 12%, polite refusal (forced) 8%, #1432 5% and ε (residual) 52%. 1 forced by steering.',
    );
  });

  it('writes a percentage near 100% inside its bar, where it cannot run off the chart', async () => {
    const chart = await conceptShares([
      { label: 'a', share: 0.95, kind: 'residual' },
      { label: 'b', share: 0.05, kind: 'named' },
    ]);
    expect(chart.svg).toMatch(/<text text-anchor="end"[^>]*fill="black"[^>]*>95%<\/text>/);
    expect(chart.svg).toMatch(/<text text-anchor="start"[^>]*>5%<\/text>/);
  });

  it('grows in height with the number of bars and keeps the requested width', async () => {
    const small = await conceptShares(BARS.slice(0, 2), { width: 400 });
    const large = await conceptShares(BARS, { width: 400 });
    expect(small.width).toBe(400);
    expect(large.height - small.height).toBe(3 * 22);
  });

  it('escapes labels from user data and truncates long ones with an ellipsis', async () => {
    const label = '<script>alert("x")</script> & a concept name far too long to fit beside its bar';
    const chart = await conceptShares([{ label, share: 0.5, kind: 'named' }]);
    expect(chart.svg).not.toContain('<script');
    expect(chart.svg).toContain('&lt;script&gt;');
    const shown = svgTexts(chart.svg).find((text) => text.startsWith('<script>'));
    expect(shown).toMatch(/…$/);
    expect(shown!.length).toBeLessThan(label.length);
    expect(chart.alt).toContain(label);
  });

  it('escapes quotes inside attributes, so the SVG stays well-formed', async () => {
    const chart = await conceptShares([{ label: `say "hi" & 'bye'`, share: 0.5, kind: 'named' }]);
    expect(chart.svg).toContain('aria-label="say &quot;hi&quot; &amp; \'bye\': 50% (named)"');
    expect(chart.alt).toBe(`Concept shares, 1 bar: say "hi" & 'bye' 50%.`);
    expect(chart.svg).toContain(
      'aria-label="Concept shares, 1 bar: say &quot;hi&quot; &amp; &#39;bye&#39; 50%."',
    );
  });

  it('gives the same bytes for the same bars', async () => {
    expect((await conceptShares(BARS)).svg).toBe((await conceptShares(BARS)).svg);
  });

  it('keeps two concepts of the same name apart', async () => {
    const chart = await conceptShares([
      { label: 'negation', share: 0.2, kind: 'named' },
      { label: 'negation', share: 0.1, kind: 'named' },
    ]);
    expect(markLabels(chart.svg, 'bar')).toEqual([
      'negation: 20% (named)',
      'negation (2): 10% (named)',
    ]);
  });

  it('says "No data" for no bars', async () => {
    const chart = await conceptShares([]);
    expect(svgTexts(chart.svg)).toEqual(['No data']);
    expect(chart.alt).toBe('Concept shares: no data.');
  });

  it('rejects shares outside 0..1 and unknown kinds, naming the row', async () => {
    await expect(conceptShares([{ label: 'a', share: NaN, kind: 'named' }])).rejects.toThrow(
      'share of row 1 ("a") must be a number from 0 to 1, not NaN',
    );
    await expect(conceptShares([{ label: 'a', share: 1.2, kind: 'named' }])).rejects.toThrow(
      RangeError,
    );
    await expect(conceptShares([{ label: 'a', share: -0.1, kind: 'named' }])).rejects.toThrow(
      RangeError,
    );
    await expect(
      conceptShares([{ label: 'a', share: 0.1, kind: 'other' as ConceptShareBar['kind'] }]),
    ).rejects.toThrow('kind of row 1 ("a") is other');
  });
});

describe('sourceMix', () => {
  const ROWS = [
    { source: 'Wikipedia', share: 0.42, baseRate: 0.3 },
    { source: 'News', share: 0.2, baseRate: 0.25 },
    { source: 'Code & <docs>', share: 0.08, baseRate: 0.1 },
  ];

  it('draws a bar per source and a tick at each base rate, with both in the legend', async () => {
    const chart = await sourceMix(ROWS);
    expect(markLabels(chart.svg, 'bar')).toEqual([
      'Wikipedia: 42% of attribution, base rate 30%',
      'News: 20% of attribution, base rate 25%',
      'Code & <docs>: 8% of attribution, base rate 10%',
    ]);
    expect((chart.svg.match(/class="mark-rect role-mark [^"]*marks"/g) ?? []).length).toBe(2);
    expect(visibleTexts(chart.svg)).toEqual(
      expect.arrayContaining([
        'Share of attribution',
        'Base rate in training data',
        'Code & <docs>',
      ]),
    );
    expect(chart.svg).not.toContain('<docs>');
    expect(chart.alt).toContain('Wikipedia 42% (base rate 30%)');
  });

  it('rejects a base rate above 1', async () => {
    await expect(sourceMix([{ source: 'News', share: 0.2, baseRate: 2 }])).rejects.toThrow(
      'base rate of row 1 ("News") must be a number from 0 to 1, not 2',
    );
  });

  it('says "No data" for no sources', async () => {
    expect(svgTexts((await sourceMix([])).svg)).toEqual(['No data']);
  });
});

describe('distribution', () => {
  const VALUES = [0, 0.02, 0.12, 0.13, 0.14, 0.5, 0.51, 0.97, 1];

  it('counts values into fixed bins over 0..1, the last closed at 1', async () => {
    const chart = await distribution(VALUES, { label: 'Named share per chunk', bins: 10 });
    const bars = markLabels(chart.svg, 'bar');
    expect(bars).toHaveLength(10);
    expect(bars[0]).toBe('0% to 10%: 2');
    expect(bars[1]).toBe('10% to 20%: 3');
    expect(bars[5]).toBe('50% to 60%: 2');
    expect(bars[9]).toBe('90% to 100%: 2');
    expect(visibleTexts(chart.svg)).toEqual(
      expect.arrayContaining(['Named share per chunk', 'Count', 'median 14%']),
    );
    expect(chart.alt).toBe(
      'Named share per chunk: 9 values from 0% to 100%, median 14%. The fullest bin, 10% to 20%, holds 3.',
    );
  });

  it('marks the median with a rule, halfway between the middle two of an even count', async () => {
    const chart = await distribution([0.2, 0.4, 0.6, 0.8], { label: 'ε share' });
    expect(svgTexts(chart.svg)).toContain('median 50%');
    expect(chart.svg).toContain('class="mark-rule role-mark');
  });

  it('does not depend on the order of the values', async () => {
    const forward = await distribution(VALUES, { label: 'x' });
    const backward = await distribution([...VALUES].reverse(), { label: 'x' });
    expect(backward.svg).toBe(forward.svg);
  });

  it('rejects values outside 0..1 and bad bin counts', async () => {
    await expect(distribution([0.5, 1.5], { label: 'x' })).rejects.toThrow(
      'value 2 must be a number from 0 to 1, not 1.5',
    );
    await expect(distribution([NaN], { label: 'x' })).rejects.toThrow(RangeError);
    await expect(distribution([0.5], { label: 'x', bins: 0 })).rejects.toThrow(/bins must be/);
    await expect(distribution([0.5], { label: 'x', bins: 2.5 })).rejects.toThrow(/bins must be/);
  });

  it('says "No data" for no values', async () => {
    const chart = await distribution([], { label: 'Named share' });
    expect(svgTexts(chart.svg)).toEqual(['No data']);
    expect(fontFamilies(chart.svg)).toEqual(['DejaVu Sans']);
  });
});
