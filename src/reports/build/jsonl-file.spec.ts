import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlFile } from 'src/reports/build/jsonl-file';

// The package's JSON Lines files are batched before they reach the disk: what is read back must
// be every line, in order, each once, whatever the batches' edges.
describe('JsonlFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'jsonl-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every line in order across batches, lines larger than a batch too', async () => {
    const file = new JsonlFile(join(dir, 'records.jsonl'));
    const lines: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      // 1 kB to 60 kB, and two of 1.5 MB: batch edges fall inside, between and after lines.
      const size = i === 7 || i === 150 ? 1_500_000 : 1_000 + ((i * 7919) % 59_000);
      lines.push(JSON.stringify({ i, text: String.fromCharCode(97 + (i % 26)).repeat(size) }));
    }
    for (const line of lines) await file.write(line);
    await file.close();
    expect(file.lines).toBe(300);
    expect(readFileSync(file.path, 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  it('writes an empty file when no line was written', async () => {
    const file = new JsonlFile(join(dir, 'entries.jsonl'));
    await file.close();
    expect(readFileSync(file.path, 'utf8')).toBe('');
  });
});
