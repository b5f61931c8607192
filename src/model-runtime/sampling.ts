/**
 * Seeded sampling. The generator is SplitMix32-style integer hashing of (seed, step), so the
 * draw at a step depends only on the seed and the step: the same inputs give the same tokens on
 * any machine, and one step's draw never shifts another's.
 */
export function uniformAt(seed: number, step: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) + Math.imul(step + 1, 0x85ebca6b)) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  x ^= x >>> 16;
  return (x >>> 0) / 4294967296;
}

/**
 * Picks the next token from logits: greedy at temperature 0, otherwise softmax at the
 * temperature, cut to the smallest set of tokens whose probability reaches topP (nucleus), and a
 * draw `u` in [0, 1). Ties are broken by the lower token id, so the choice is deterministic.
 */
export function pickToken(
  logits: Float32Array,
  temperature: number,
  topP: number,
  u: number,
): number {
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  let max = -Infinity;
  for (const l of logits) max = Math.max(max, l);
  const weights = Array.from(logits, (l, id) => ({ id, p: Math.exp((l - max) / temperature) }));
  const total = weights.reduce((sum, w) => sum + w.p, 0);
  weights.sort((a, b) => b.p - a.p || a.id - b.id);
  const kept: { id: number; p: number }[] = [];
  let mass = 0;
  for (const w of weights) {
    // A banned token (logit −∞) has weight 0: never kept, even when rounding leaves mass < topP.
    if (w.p === 0) break;
    kept.push(w);
    mass += w.p / total;
    if (mass >= topP) break;
  }
  const keptTotal = kept.reduce((sum, w) => sum + w.p, 0);
  let target = u * keptTotal;
  for (const w of kept) {
    target -= w.p;
    if (target < 0) return w.id;
  }
  return kept[kept.length - 1].id;
}
