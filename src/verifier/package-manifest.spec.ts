import { JsonLines } from 'src/verifier/package-manifest';

/** JsonLines: the lines of a .jsonl file however its chunks are cut. */

function* cut(text: Buffer, at: number[], reuse = false): Generator<Buffer> {
  const bounds = [0, ...at, text.length];
  // A reader that reuses one buffer for every chunk, as a stream may: lines must not change.
  const shared = Buffer.alloc(text.length);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const piece = text.subarray(bounds[i], bounds[i + 1]);
    if (!reuse) {
      yield piece;
      continue;
    }
    piece.copy(shared);
    yield shared.subarray(0, piece.length);
    shared.fill(0x21);
  }
}

async function linesOf(chunks: Iterable<Buffer>) {
  const reader = new JsonLines(chunks);
  const lines: string[] = [];
  for await (const line of reader) lines.push(line.toString('utf8'));
  return { lines, unterminated: reader.unterminated };
}

const text = Buffer.from('{"a":1}\n{"b":"two\u00e9"}\n\n{"c":[3]}\n', 'utf8');
const expected = ['{"a":1}', '{"b":"two\u00e9"}', '', '{"c":[3]}'];

describe('JsonLines', () => {
  it('gives the same lines for every place a chunk can end, and for a reused chunk buffer', async () => {
    for (let a = 0; a <= text.length; a++) {
      for (const b of [a, Math.min(text.length, a + 1), Math.min(text.length, a + 9)]) {
        for (const reuse of [false, true]) {
          expect(await linesOf(cut(text, [a, b], reuse))).toEqual({
            lines: expected,
            unterminated: false,
          });
        }
      }
    }
  });

  it('gives a line longer than its chunks whole', async () => {
    const long = `{"x":"${'y'.repeat(10_000)}"}`;
    const at = Array.from({ length: 100 }, (_, i) => 37 * (i + 1));
    const { lines } = await linesOf(cut(Buffer.from(`${long}\n{"z":0}\n`), at, true));
    expect(lines).toEqual([long, '{"z":0}']);
  });

  it('says when the last bytes are not a whole line, and has no lines for no bytes', async () => {
    expect(await linesOf(cut(Buffer.from('{"a":1}\n{"b":2}'), [3, 12]))).toEqual({
      lines: ['{"a":1}'],
      unterminated: true,
    });
    expect(await linesOf(cut(Buffer.alloc(0), []))).toEqual({ lines: [], unterminated: false });
  });
});
