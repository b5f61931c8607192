/**
 * The named share under other decompositions of the same hidden state. The concept layer splits
 * the final hidden state h into named part + unnamed part + ε, and the logits are h · Eᵀ
 * whatever the split, so a split can be fitted again without changing a single output: here by
 * least squares of h on the concepts' weights, with a fixed baseline vector (an intercept: what
 * h is on average) that explanations would leave out of the shares, as SHAP leaves out its
 * expected value. `model:share-trial` runs it on a training run (TRIALS.md, 2026-12-07).
 */

/**
 * Solves A·X = B for X, A symmetric positive definite (p × p), B p × d, by Cholesky. Throws when A
 * is not positive definite: a caller adds a ridge to A's diagonal first.
 */
export function choleskySolve(
  A: readonly Float64Array[],
  B: readonly Float64Array[],
): Float64Array[] {
  const p = A.length;
  const L = A.map(() => new Float64Array(p));
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0))
          throw new Error(`choleskySolve: the matrix is not positive definite (pivot ${i})`);
        L[i][i] = Math.sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  }
  const d = B[0]?.length ?? 0;
  const X = A.map(() => new Float64Array(d));
  const y = new Float64Array(p);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < p; i++) {
      let s = B[i][c];
      for (let k = 0; k < i; k++) s -= L[i][k] * y[k];
      y[i] = s / L[i][i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < p; k++) s -= L[k][i] * X[k][c];
      X[i][c] = s / L[i][i];
    }
  }
  return X;
}

/**
 * Least squares of targets on features with an intercept, from the normal equations accumulated
 * over positions: `gram` is XᵀX and `cross` XᵀY for features X whose last column is the constant
 * 1. `fixed` features keep the rows given (their part is taken off the targets first); the others
 * get fitted rows. A ridge of `ridge` × positions / features on the fitted diagonal keeps a
 * concept that is never on from making the system singular (on the intercept too, which it
 * shrinks by about `ridge` of itself).
 */
export function fitRows(
  gram: readonly Float64Array[],
  cross: readonly Float64Array[],
  fixed: ReadonlyMap<number, ArrayLike<number>>,
  positions: number,
  ridge = 1e-3,
): Map<number, Float64Array> {
  const free = gram.map((_, i) => i).filter((i) => !fixed.has(i));
  const lambda = (ridge * positions) / free.length;
  const A = free.map((i) => Float64Array.from(free, (j) => gram[i][j] + (i === j ? lambda : 0)));
  const B = free.map((i) => {
    const row = Float64Array.from(cross[i]);
    for (const [k, given] of fixed) {
      for (let c = 0; c < row.length; c++) row[c] -= gram[i][k] * given[c];
    }
    return row;
  });
  const solved = choleskySolve(A, B);
  return new Map(free.map((i, r) => [i, solved[r]]));
}

/** One position's parts of the target token's logit, by absolute value. */
export interface LogitParts {
  named: number;
  unnamed: number;
  epsilon: number;
  baseline: number;
}

/** The named share with the baseline left out of the denominator (0 when nothing is left). */
export function namedShare(p: LogitParts): number {
  const all = p.named + p.unnamed + p.epsilon;
  return all > 0 ? p.named / all : 0;
}
