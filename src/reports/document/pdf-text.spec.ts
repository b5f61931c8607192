import { coverText, escapeXml, hardWrap, stripControls } from './pdf-text';

describe('pdf text hygiene', () => {
  it('strips control characters and lone surrogates but keeps newlines', () => {
    expect(stripControls('a\u0000b\u0007c\u001b[31md\u0085e\r\nf\rg\ud800h\udc00i')).toBe(
      'abc[31mde\nf\ngh' + 'i',
    );
    expect(stripControls('x\ty', 2)).toBe('x  y');
    expect(stripControls('😀 é')).toBe('😀 é');
  });

  it('replaces characters the font cannot draw and drops ignorable ones', () => {
    const latinOnly = { hasGlyphForCodePoint: (cp: number) => cp < 0x3000 };
    expect(coverText('ab 中文 c', latinOnly)).toBe('ab \ufffd\ufffd c');
    expect(coverText('\u{1F44D}\ufe0f!', latinOnly)).toBe('\ufffd!');
    expect(coverText('plain', latinOnly)).toBe('plain');
  });

  it('wraps long lines hard at the column width, by code point', () => {
    expect(hardWrap('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(hardWrap('ab', 3)).toEqual(['ab']);
    expect(hardWrap('😀😀😀😀', 2)).toEqual(['😀😀', '😀😀']);
  });

  it('escapes XML', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
