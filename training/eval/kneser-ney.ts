/**
 * Interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1998) over token ids: the
 * baseline the interpretable model is measured against (`bigramPerplexity`,
 * `trigramPerplexity`). Lower orders use continuation counts (how many different tokens precede
 * an n-gram), three discounts per order are estimated from count-of-counts, and the recursion
 * ends in the uniform distribution, so every token of the vocabulary has probability > 0.
 */
export class KneserNey {
  /** counts[k]: n-gram (k+1 tokens, joined) → count (raw for the top order, else continuation). */
  private readonly counts: Map<string, number>[] = [];
  /** contexts[k]: context (k tokens) → [total, n1, n2, n3+] of the order-(k+1) counts. */
  private readonly contexts: Map<string, [number, number, number, number]>[] = [];
  private readonly discounts: [number, number, number][] = [];

  constructor(
    readonly order: number,
    readonly vocabSize: number,
  ) {
    if (order < 1) throw new Error('order must be at least 1');
  }

  /** Each sequence starts with its own context token (e.g. [BOS]), which is never predicted. */
  train(sequences: Iterable<readonly number[]>): this {
    const top = this.order - 1;
    for (let k = 0; k <= top; k++) this.counts.push(new Map());
    const predecessors: Map<string, Set<number>>[] = [];
    for (let k = 0; k < top; k++) predecessors.push(new Map());
    for (const seq of sequences) {
      for (let i = 1; i < seq.length; i++) {
        for (let k = 0; k <= top && i - k >= 0; k++) {
          const gram = seq.slice(i - k, i + 1).join(',');
          if (k === top || i - k === 0) {
            // The top order counts occurrences; an n-gram at the very start has no predecessor
            // to count, so it counts as seen once more.
            this.counts[k].set(gram, (this.counts[k].get(gram) ?? 0) + 1);
          } else {
            let set = predecessors[k].get(gram);
            if (!set) predecessors[k].set(gram, (set = new Set()));
            set.add(seq[i - k - 1]);
          }
        }
      }
    }
    for (let k = 0; k < top; k++) {
      for (const [gram, set] of predecessors[k]) {
        this.counts[k].set(gram, (this.counts[k].get(gram) ?? 0) + set.size);
      }
    }
    for (let k = 0; k <= top; k++) {
      this.discounts.push(estimateDiscounts(this.counts[k]));
      const ctx = new Map<string, [number, number, number, number]>();
      for (const [gram, c] of this.counts[k]) {
        const key = contextOf(gram);
        const entry = ctx.get(key) ?? [0, 0, 0, 0];
        entry[0] += c;
        entry[c >= 3 ? 3 : c] += 1;
        ctx.set(key, entry);
      }
      this.contexts.push(ctx);
    }
    return this;
  }

  /** P(token | the previous tokens), using the last order−1 of them. */
  probability(history: readonly number[], token: number): number {
    const context = history.slice(Math.max(0, history.length - (this.order - 1)));
    return this.level(context, token);
  }

  /** exp(mean −log P) over every position after the first of each sequence. */
  perplexity(sequences: Iterable<readonly number[]>, skip?: (token: number) => boolean): number {
    let nll = 0;
    let n = 0;
    for (const seq of sequences) {
      for (let i = 1; i < seq.length; i++) {
        if (skip?.(seq[i])) continue;
        nll -= Math.log(this.probability(seq.slice(Math.max(0, i - this.order + 1), i), seq[i]));
        n++;
      }
    }
    return Math.exp(nll / n);
  }

  private level(context: readonly number[], token: number): number {
    const k = context.length;
    const lower = k === 0 ? 1 / this.vocabSize : this.level(context.slice(1), token);
    const stats = this.contexts[k].get(context.join(','));
    if (!stats) return lower;
    const [total, n1, n2, n3] = stats;
    const [d1, d2, d3] = this.discounts[k];
    const c = this.counts[k].get([...context, token].join(',')) ?? 0;
    const discount = c === 0 ? 0 : c === 1 ? d1 : c === 2 ? d2 : d3;
    const gamma = (d1 * n1 + d2 * n2 + d3 * n3) / total;
    return Math.max(c - discount, 0) / total + gamma * lower;
  }
}

function contextOf(gram: string): string {
  const cut = gram.lastIndexOf(',');
  return cut < 0 ? '' : gram.slice(0, cut);
}

/** D1, D2, D3+ from the numbers of n-grams seen exactly 1, 2, 3 and 4 times. */
function estimateDiscounts(counts: Map<string, number>): [number, number, number] {
  const n = [0, 0, 0, 0, 0];
  for (const c of counts.values()) if (c <= 4) n[c]++;
  if (n[1] === 0 || n[2] === 0 || n[3] === 0) return [0.5, 0.75, 0.9];
  const y = n[1] / (n[1] + 2 * n[2]);
  const clamp = (d: number, max: number) => Math.min(Math.max(d, 0.05), max);
  return [
    clamp(1 - (2 * y * n[2]) / n[1], 1),
    clamp(2 - (3 * y * n[3]) / n[2], 2),
    clamp(3 - (4 * y * n[4]) / n[3], 3),
  ];
}
