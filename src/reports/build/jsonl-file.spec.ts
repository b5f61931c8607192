import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { JsonlFile } from 'src/reports/build/jsonl-file';

// The package's JSON Lines files are batched and deflated as they are written, and the ZIP copies
// the deflated bytes with the hash, CRC and size given here: inflated, they must be every line,
// in order, each once, whatever the batches' edges, and the figures must be those of the lines.
describe('JsonlFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'jsonl-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('deflates every line in order across batches, and states their hash, CRC and size', async () => {
    const file = new JsonlFile(join(dir, 'records.jsonl.deflate'));
    const lines: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      // 1 kB to 60 kB, and two of 1.5 MB: batch edges fall inside, between and after lines; a
      // character outside ASCII, so bytes and characters differ.
      const size = i === 7 || i === 150 ? 1_500_000 : 1_000 + ((i * 7919) % 59_000);
      const text = String.fromCharCode(97 + (i % 26)).repeat(size);
      lines.push(JSON.stringify({ i, text: i % 5 === 0 ? `é${text}` : text }));
    }
    for (const line of lines) await file.write(line);
    const source = await file.close();
    const expected = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const deflated = readFileSync(source.deflated);
    expect(file.lines).toBe(300);
    expect(inflateRawSync(deflated).equals(expected)).toBe(true);
    expect(source).toEqual({
      deflated: file.path,
      sha256: createHash('sha256').update(expected).digest('hex'),
      crc32: crc32(expected),
      bytes: expected.length,
      deflatedBytes: statSync(file.path).size,
    });
    // The same bytes as deflating the whole file at once at level 1: the package stays
    // reproducible however the lines were batched.
    expect(deflated.equals(deflateRawSync(expected, { level: 1 }))).toBe(true);
  });

  it('gives an empty file when no line was written', async () => {
    const file = new JsonlFile(join(dir, 'entries.jsonl.deflate'));
    const source = await file.close();
    expect(inflateRawSync(readFileSync(file.path)).length).toBe(0);
    expect(source).toMatchObject({ bytes: 0, crc32: 0 });
    expect(source.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('fails a write, not the process, when its file cannot be written', async () => {
    const file = new JsonlFile(join(dir, 'missing-folder', 'proofs.jsonl.deflate'));
    const line = 'x'.repeat(1024 ** 2);
    await expect(
      (async () => {
        for (let i = 0; i < 64; i += 1) await file.write(line);
        await file.close();
      })(),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
