import { lineDiff } from 'src/portal/line-diff';

describe('lineDiff', () => {
  it('keeps common lines and marks what was removed and added', () => {
    const diff = lineDiff('a\nb\nc\nd', 'a\nc\nx\nd');
    expect(diff).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'del', text: 'b' },
      { kind: 'same', text: 'c' },
      { kind: 'add', text: 'x' },
      { kind: 'same', text: 'd' },
    ]);
  });

  it('rebuilds both texts from its lines', () => {
    const older = '{\n  "x": 1,\n  "y": [1, 2]\n}';
    const newer = '{\n  "y": [1, 2, 3],\n  "z": true\n}';
    const diff = lineDiff(older, newer);
    expect(
      diff
        .filter((l) => l.kind !== 'add')
        .map((l) => l.text)
        .join('\n'),
    ).toBe(older);
    expect(
      diff
        .filter((l) => l.kind !== 'del')
        .map((l) => l.text)
        .join('\n'),
    ).toBe(newer);
  });
});
