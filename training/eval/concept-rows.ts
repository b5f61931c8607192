import { median } from 'training/eval/auroc';

/**
 * What the named concepts' effect rows say on their own, before any text is generated: a row is
 * concept c's contribution to every token's logit per unit of weight (E_c · E_tokᵀ). A row that
 * mostly says "common tokens up" ranks tokens by frequency and looks like every other row; a row
 * that means its name does neither.
 *
 * Rows are centred over the vocabulary first: adding a constant to every logit changes no
 * probability, so it is not part of what a concept says.
 */
export interface ConceptRowFigures {
  /** Median over named concepts of Spearman's ρ between the row and log token frequency. */
  rankCorrelation: number;
  /** Median over named concepts of 1 − cos²(row, mean row): the share that is the row's own. */
  nonMeanShare: number;
  /** Share of the rows' variance along their first principal direction (power iteration). */
  firstDirectionShare: number;
  perConcept: { rankCorrelation: number; nonMeanShare: number }[];
}

export function centreRow(row: ArrayLike<number>): Float64Array {
  let mean = 0;
  for (let i = 0; i < row.length; i++) mean += row[i];
  mean /= row.length;
  return Float64Array.from({ length: row.length }, (_, i) => row[i] - mean);
}

/** Ranks from 1, ties sharing their average rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => values[a] - values[b],
  );
  const out = new Float64Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]] = rank;
    i = j + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return va === 0 || vb === 0 ? 0 : cov / Math.sqrt(va * vb);
}

export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(ranks(a), ranks(b));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The share of the centred rows' total energy along their leading direction. */
function firstDirectionShare(rows: Float64Array[]): number {
  const V = rows[0].length;
  const total = rows.reduce((s, r) => s + dot(r, r), 0);
  if (total === 0) return 0;
  let v: Float64Array = Float64Array.from({ length: V }, (_, i) => Math.sin(i + 1));
  let energy = 0;
  for (let iteration = 0; iteration < 100; iteration++) {
    // v ← Rᵀ R v, normalised; energy = ‖R v‖² at the fixed point.
    const next = new Float64Array(V);
    const norm = Math.sqrt(dot(v, v));
    energy = 0;
    for (const row of rows) {
      const p = dot(row, v) / norm;
      energy += p * p;
      for (let i = 0; i < V; i++) next[i] += p * row[i];
    }
    v = next;
  }
  return energy / total;
}

export function conceptRowFigures(
  rows: ArrayLike<number>[],
  logFrequency: ArrayLike<number>,
): ConceptRowFigures {
  if (rows.length === 0) throw new Error('concept rows: no rows');
  const centred = rows.map(centreRow);
  const V = centred[0].length;
  const mean = new Float64Array(V);
  for (const row of centred) for (let i = 0; i < V; i++) mean[i] += row[i] / centred.length;
  const meanEnergy = dot(mean, mean);
  const frequencyRanks = ranks(logFrequency);
  const perConcept = centred.map((row) => {
    const energy = dot(row, row);
    const cos2 = energy === 0 || meanEnergy === 0 ? 1 : dot(row, mean) ** 2 / (energy * meanEnergy);
    return {
      rankCorrelation: pearson(ranks(row), frequencyRanks),
      nonMeanShare: 1 - cos2,
    };
  });
  return {
    rankCorrelation: median(perConcept.map((c) => c.rankCorrelation)),
    nonMeanShare: median(perConcept.map((c) => c.nonMeanShare)),
    firstDirectionShare: firstDirectionShare(centred),
    perConcept,
  };
}

/** Add-one smoothed log frequency of every token id in some token sequences. */
export function logTokenFrequency(sequences: Iterable<ArrayLike<number>>, vocabSize: number) {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const ids of sequences) for (let i = 0; i < ids.length; i++) counts[ids[i]]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return Float64Array.from(counts, (c) => Math.log(c / total));
}

/** The k token ids a row raises most. */
export function topTokenIds(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}
