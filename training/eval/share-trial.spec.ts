import { choleskySolve, fitRows, namedShare } from 'training/eval/share-trial';

/** A small seeded generator, so the planted data are the same on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

function product(A: readonly Float64Array[], B: readonly Float64Array[]): Float64Array[] {
  return A.map((row) =>
    Float64Array.from(B[0], (_, c) => row.reduce((sum, a, k) => sum + a * B[k][c], 0)),
  );
}

const transpose = (A: readonly Float64Array[]) =>
  Array.from(A[0], (_, c) => Float64Array.from(A, (row) => row[c]));

describe('choleskySolve', () => {
  it('solves a positive definite system exactly', () => {
    const next = random(7);
    const M = Array.from({ length: 6 }, () => Float64Array.from({ length: 6 }, next));
    const A = product(transpose(M), M).map((row, i) => row.map((v, j) => v + (i === j ? 1 : 0)));
    const X = Array.from({ length: 6 }, () => Float64Array.from({ length: 3 }, next));
    const solved = choleskySolve(A, product(A, X));
    solved.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(X[i][c], 9)));
  });

  it('refuses a matrix that is not positive definite', () => {
    const singular = [Float64Array.of(1, 1), Float64Array.of(1, 1)];
    expect(() => choleskySolve(singular, [Float64Array.of(1), Float64Array.of(1)])).toThrow(
      /not positive definite/,
    );
  });
});

describe('fitRows', () => {
  // Positions with two concept weights and the constant 1; targets made from planted rows.
  const next = random(11);
  const X = Array.from({ length: 200 }, () => Float64Array.of(next() + 0.5, next() + 0.5, 1));
  const rows = [Float64Array.of(2, -1), Float64Array.of(0.5, 3), Float64Array.of(-4, 1)];
  const Y = product(X, rows);
  const gram = product(transpose(X), X);
  const cross = product(transpose(X), Y);

  it('recovers planted rows and the intercept (the baseline)', () => {
    const fitted = fitRows(gram, cross, new Map(), X.length, 1e-12);
    rows.forEach((row, i) => row.forEach((v, c) => expect(fitted.get(i)?.[c]).toBeCloseTo(v, 6)));
  });

  it('fits only the free rows, taking the fixed rows part off the targets', () => {
    const fitted = fitRows(gram, cross, new Map([[0, rows[0]]]), X.length, 1e-12);
    expect([...fitted.keys()]).toEqual([1, 2]);
    [1, 2].forEach((i) => rows[i].forEach((v, c) => expect(fitted.get(i)?.[c]).toBeCloseTo(v, 6)));
    // Held at a wrong row, the others absorb what it leaves: they are no longer the planted ones.
    const wrong = fitRows(gram, cross, new Map([[0, Float64Array.of(0, 0)]]), X.length, 1e-12);
    expect(Math.abs((wrong.get(2)?.[0] ?? 0) - rows[2][0])).toBeGreaterThan(0.1);
  });

  it('shrinks rows towards zero by the ridge', () => {
    const fitted = fitRows(gram, cross, new Map(), X.length, 1);
    expect(Math.abs(fitted.get(0)?.[0] ?? 0)).toBeLessThan(Math.abs(rows[0][0]));
  });
});

describe('namedShare', () => {
  it('leaves the baseline out of the denominator', () => {
    expect(namedShare({ named: 1, unnamed: 2, epsilon: 1, baseline: 100 })).toBe(0.25);
    expect(namedShare({ named: 0, unnamed: 0, epsilon: 0, baseline: 3 })).toBe(0);
  });
});
