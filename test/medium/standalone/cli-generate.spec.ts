/**
 * @jest-environment ./test/support/native-arrays-environment.ts
 */
import { parseArgs } from 'src/cli/commands';
import { detectionFigure } from 'src/evidence-format/attribution';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { testModel } from 'test/support/test-model';

// `npm run cli -- generate` as a reviewer reads it in a terminal, on the shipped model: per chunk
// the named share first, a steered concept marked as forced, prompt words whole with their
// pieces, and training matches with their strength against the base rate.

let runtime: ModelRuntime;
const model = testModel();

beforeAll(async () => {
  runtime = await ModelRuntime.open(model.store, model.name, model.version);
});

afterAll(async () => {
  await runtime.close();
});

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

async function cliText(argv: string[]): Promise<{ text: string; json: unknown }> {
  const invocation = parseArgs(['generate', ...argv]);
  if (invocation.kind !== 'model') throw new Error(`not a model command: ${invocation.kind}`);
  const out = await invocation.run(runtime);
  return { text: out.text, json: out.json };
}

describe('cli generate', () => {
  it('states what each chunk says in the order a reviewer reads it, the same as the result', async () => {
    const argv = [
      '--prompt',
      'Doctors prescribed antihypertensives',
      '--seed',
      '3',
      '--amplify',
      'finance.banking',
    ];
    const { text, json } = await cliText(argv);
    const result = json as Awaited<ReturnType<ModelRuntime['generate']>>;
    const lines = text.split('\n');
    for (const chunk of result.chunks) {
      const at = lines.findIndex((l) => l.startsWith(`chunk ${chunk.index + 1}: `));
      expect(at).toBeGreaterThan(-1);
      const [concepts, context, training] = lines.slice(at + 1, at + 4);
      const named = (100 * chunk.concepts.knownShare).toFixed(1);
      expect(concepts).toMatch(new RegExp(`^  concepts: +named ${named}%`));
      // Each of the top three named concepts with its share and whether it was detected.
      for (const k of chunk.concepts.known.slice(0, 3)) {
        const found = (k.detection as number) >= 0.5 ? 'detected' : 'not detected';
        expect(concepts).toContain(
          `${k.key} ${(100 * k.share).toFixed(1)}%, ${found} ${detectionFigure(k.detection as number)}`,
        );
      }
      const banking = chunk.concepts.known.slice(0, 3).find((k) => k.key === 'finance.banking');
      if (banking) {
        expect(concepts).toMatch(
          /finance\.banking [\d.]+%, (not )?detected [\d.]+ \[amplified by steering: forced, not a reason\]/,
        );
      }
      // Three prompt words, so every one is shown: whole, and with its pieces when it has several
      // ("antihypertensives" is several pieces in any of our tokenizers).
      for (const w of chunk.context.words) {
        const pieces = chunk.context.effects.slice(w.start, w.end);
        const shown = `"${w.text}" ${signed(w.logProb)}`;
        expect(context).toContain(
          pieces.length > 1
            ? `${shown} [${JSON.stringify(pieces[0].token)} ${signed(pieces[0].logProb)}`
            : shown,
        );
      }
      const top = chunk.trainingData.chunks[0];
      if (chunk.noContent) {
        expect(training).not.toContain('most similar');
      } else if (top) {
        expect(training).toContain(`most similar ${top.chunk} (${top.score.toFixed(2)}, `);
        expect(training).toContain(
          top.weak ? 'weak: no clearer than chance' : `${top.calibrated!.toFixed(1)}×`,
        );
      }
    }
    expect(result.chunks.some((c) => c.context.words.some((w) => w.end - w.start > 1))).toBe(true);
    expect(result.steering.map((s) => s.concept)).toEqual(['finance.banking']);
  });
});
