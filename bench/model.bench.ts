import { loadConfig } from 'src/config/config';
import { ModelRuntime } from 'src/model-runtime/model-runtime';

/**
 * `npm run bench:model`: generation speed of the configured model on this machine, plain and with
 * all three attributions, from one run (so the ratio compares like with like on a noisy, shared
 * machine). Prints medians over the rounds, the ratio, the p50 latency of a 64-token generation
 * and the peak resident memory.
 */
const PROMPTS = [
  'The Congress shall',
  'The patient was given',
  'Any licensee who redistributes the Work',
  'The economy of the country',
  'The President said that the budget',
  'aspirin: a drug that',
];
const WANTED_TOKENS = 64;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const loadStarted = performance.now();
  const runtime = await ModelRuntime.open(
    config.MODEL_STORE_DIR,
    config.MODEL_NAME,
    config.MODEL_VERSION,
  );
  const loadMs = performance.now() - loadStarted;
  const { name, version } = runtime.identity;
  process.stderr.write(`model ${name} ${version} loaded in ${loadMs.toFixed(0)} ms\n`);
  // 64 tokens, or fewer where a small model's context cannot hold them after the longest prompt.
  const longest = Math.max(...PROMPTS.map((p) => runtime.model.tokenizer.encode(p).length));
  const TOKENS = Math.min(WANTED_TOKENS, runtime.model.shapes.contextLength - 1 - longest);
  let peakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

  const time = async (attributions: boolean, seed: number, prompt: string) => {
    const started = performance.now();
    const result = await runtime.generate(prompt, {
      maxTokens: TOKENS,
      seed,
      stopAtEnd: false,
      attributions,
    });
    const ms = performance.now() - started;
    if (attributions && result.chunks.length === 0) throw new Error('no attributions computed');
    return ms;
  };
  // Warm-up: the first runs pay for lazy allocation in ORT.
  await time(false, 0, PROMPTS[0]);
  await time(true, 0, PROMPTS[0]);

  const plain: number[] = [];
  const explained: number[] = [];
  const total = ROUNDS * PROMPTS.length;
  let done = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, prompt] of PROMPTS.entries()) {
      // Interleaved, so drift in the machine's load hits both alike.
      plain.push(await time(false, round * 100 + i, prompt));
      explained.push(await time(true, round * 100 + i, prompt));
      done++;
      process.stderr.write(
        `\r[${'#'.repeat(Math.round((20 * done) / total)).padEnd(20, '.')}] ${done}/${total} generations`,
      );
    }
  }
  process.stderr.write('\n');
  clearInterval(sample);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const plainMs = median(plain);
  const explainedMs = median(explained);
  const result = {
    model: `${name} ${version}`,
    generations: plain.length + explained.length,
    tokensPerGeneration: TOKENS,
    plainTokensPerSecond: (TOKENS * 1000) / plainMs,
    attributedTokensPerSecond: (TOKENS * 1000) / explainedMs,
    /** How many times slower generation with all three attributions is (median over rounds). */
    attributionCostRatio: explainedMs / plainMs,
    p50LatencyMs: plainMs,
    p50LatencyMsWithAttributions: explainedMs,
    loadMs,
    peakRssMiB: peakRss / 1024 / 1024,
  };
  const rows: [string, string][] = [
    ['model', result.model],
    ['plain generation', `${result.plainTokensPerSecond.toFixed(0)} tokens/s`],
    ['with all three attributions', `${result.attributedTokensPerSecond.toFixed(0)} tokens/s`],
    ['ratio (attributed / plain time)', `${result.attributionCostRatio.toFixed(2)}×`],
    [`p50 latency, ${TOKENS} tokens, plain`, `${plainMs.toFixed(0)} ms`],
    [`p50 latency, ${TOKENS} tokens, attributed`, `${explainedMs.toFixed(0)} ms`],
    ['model load', `${loadMs.toFixed(0)} ms`],
    ['peak memory (RSS)', `${result.peakRssMiB.toFixed(0)} MiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
