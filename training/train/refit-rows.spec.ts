import { BOS, EOC } from 'src/model-package/tokenizer';
import { tf, tfReady } from 'training/model/tf';
import { buildStream, LabelledChunk } from 'training/train/data';
import { namedRowProblem, refitNamedRows } from 'training/train/refit-rows';

/**
 * A stream where concept 0's evidence is followed by token 20 and concept 1's by token 30, amid
 * filler tokens 10..17 that both share: the refit rows must raise each concept's own token first.
 */
const V = 40;
const FILLER = (i: number) => 10 + (i % 8);
function chunk(document: string, concept: number, place: number): LabelledChunk {
  const ids = Array.from({ length: 24 }, (_, i) => FILLER(i * 3 + place));
  // Evidence at token 2; the concept's own word follows it three times within the window.
  for (const at of [3, 6, 9]) ids[at] = concept === 0 ? 20 : 30;
  return { document, ids, labels: [concept], onsets: [2] };
}
const chunks = Array.from({ length: 12 }, (_, i) => chunk(`doc${i >> 1}`, i % 2, i));

describe('named rows refit', () => {
  beforeAll(() => tfReady());

  it("groups positions by the concepts within the window of their evidence, with each one's next token", () => {
    const stream = buildStream(chunks);
    const problem = namedRowProblem(stream, 2, V, 8);
    // Places 2..9 of every chunk are within 8 tokens of the evidence at 2.
    expect(problem.positions).toBe(12 * 8);
    expect(problem.sets.map((s) => s.concepts)).toEqual([[0], [1]]);
    const own = problem.sets[0].targets;
    // Places 2, 5 and 8 are followed by the concept's token (at 3, 6 and 9), six chunks each.
    expect(own.get(20)).toBe(18);
    expect(own.has(30)).toBe(false);
    expect([...own.keys()].every((t) => t !== BOS && t !== EOC)).toBe(true);
    const total = [...own.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(problem.sets[0].positions);
    // A narrower window counts fewer positions and never the later concept tokens.
    const narrow = namedRowProblem(stream, 2, V, 2);
    expect(narrow.positions).toBe(12 * 2);
    expect(narrow.sets[0].targets.get(20)).toBe(6);
  });

  it("with atEvidence, also counts the position before each occurrence of the concept's evidence", () => {
    // Concept 1's chunks (each second in its document) have evidence word 26 at places 0, 5 and
    // 15: place 0 is read from the [EOC] of the chunk before (concept 0's), place 5 is inside
    // the window already, place 15 is past it. Concept 0 has no starts recorded.
    const withStarts = chunks.map((c) =>
      c.labels[0] === 1
        ? {
            ...c,
            ids: c.ids.map((t, i) => ([0, 5, 15].includes(i) ? 26 : t)),
            starts: [[0, 5, 15]],
          }
        : c,
    );
    const stream = buildStream(withStarts);
    const after = namedRowProblem(stream, 2, V, 8);
    const at = namedRowProblem(stream, 2, V, 8, true);
    // Two new positions per chunk of concept 1 (the [EOC] before it and place 14), none twice.
    expect(at.positions).toBe(after.positions + 12);
    const set = (p: typeof at, key: string) => p.sets.find((s) => s.concepts.join() === key)!;
    expect(set(at, '1').targets.get(26)).toBe(18);
    expect(set(after, '1').targets.get(26)).toBe(6);
    expect(set(at, '1').positions).toBe(set(after, '1').positions + 12);
    // Concept 0, without starts, is unchanged; no position has a concept twice.
    expect(set(at, '0')).toEqual(set(after, '0'));
    expect(at.sets.every((s) => new Set(s.concepts).size === s.concepts.length)).toBe(true);
  });

  it("lowers the named-only loss and makes each row raise its concept's own token first", () => {
    const problem = namedRowProblem(buildStream(chunks), 2, V, 8);
    // Token embeddings: the identity (every token its own direction), so a row can say anything.
    const embedding = tf.eye(V);
    const counts = new Float32Array(V).fill(1);
    buildStream(chunks).tokens.forEach((t) => counts[t]++);
    const total = counts.reduce((a, b) => a + b, 0);
    const prior = tf.tensor1d(Array.from(counts, (c) => Math.log(c / total)));
    const result = refitNamedRows(problem, new Float32Array(2 * V), embedding, prior, {
      epochs: 300,
      batchSets: 1,
      learningRate: 0.05,
      sharedDirectionWeight: 1,
      effectPriorScale: 4,
    });
    expect(result.lossAfter).toBeLessThan(result.lossBefore - 0.3);
    const top = (c: number) => {
      const row = Array.from(result.rows.slice(c * V, (c + 1) * V));
      return row.indexOf(Math.max(...row));
    };
    expect([top(0), top(1)]).toEqual([20, 30]);
    // Each row lowers the other concept's token below where the prior alone puts it.
    expect(result.rows[0 * V + 30]).toBeLessThan(0);
    expect(result.rows[1 * V + 20]).toBeLessThan(0);
    tf.dispose([embedding, prior]);
  });

  it('keeps a concept seen at few positions from growing a row its data does not ask for', () => {
    // Concept 2 is on in one chunk only, where its window holds filler alone.
    const rare: LabelledChunk = {
      document: 'rare',
      ids: Array.from({ length: 24 }, (_, i) => FILLER(i)),
      labels: [2],
      onsets: [2],
    };
    const problem = namedRowProblem(buildStream([...chunks, rare]), 3, V, 8);
    const embedding = tf.eye(V);
    const prior = tf.tensor1d(new Float32Array(V).fill(-Math.log(V)));
    const fit = (effectPriorScale: number) =>
      refitNamedRows(problem, new Float32Array(3 * V), embedding, prior, {
        epochs: 200,
        batchSets: 1,
        learningRate: 0.05,
        sharedDirectionWeight: 0,
        effectPriorScale,
      });
    const energy = (rows: Float32Array, c: number) =>
      rows.slice(c * V, (c + 1) * V).reduce((sum, x) => sum + x * x, 0);
    const loose = fit(1000);
    const tight = fit(0.5);
    // The rare row shrinks far more than the common ones, which still raise their own token.
    expect(energy(tight.rows, 2)).toBeLessThan(energy(loose.rows, 2) / 4);
    expect(energy(tight.rows, 2) / energy(loose.rows, 2)).toBeLessThan(
      energy(tight.rows, 0) / energy(loose.rows, 0),
    );
    const row0 = Array.from(tight.rows.slice(0, V));
    expect(row0.indexOf(Math.max(...row0))).toBe(20);
    expect(tight.priorAfter).toBeGreaterThan(0);
    tf.dispose([embedding, prior]);
  });
});
