import { Agent } from 'node:http';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { BenchApp } from './bench-app';
import { postJson } from './http-client';
import { median, progress } from './stats';

const PROMPTS = [
  'The patient was given',
  'The Congress shall',
  'Any licensee who redistributes the Work',
  'The economy of the country',
  'The President said that the budget',
];

export interface OverheadTimes {
  tokens: number;
  httpMs: number[];
  bareMs: number[];
  /** Pairs whose HTTP answer had exactly the bare generation's text (same seed, same model). */
  sameText: number;
}

/**
 * Part 4: POST /v1/generations (generate, attribute, judge, sign, commit, answer) against the
 * same request run bare on the app's own ModelRuntime (same prompt, options and seed; in process,
 * no HTTP), sequentially, in pairs whose order alternates.
 */
export async function measureGenerationOverhead(
  bench: BenchApp,
  apiKey: string,
  requests: number,
  warmup: number,
  tokens: number,
): Promise<OverheadTimes> {
  const runtime = bench.app.get(ModelRuntime);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const result: OverheadTimes = { tokens, httpMs: [], bareMs: [], sameText: 0 };
  const http = async (i: number, prompt: string, seed: number) => {
    const body = Buffer.from(JSON.stringify({ prompt, maxTokens: tokens, seed }), 'utf8');
    const started = performance.now();
    const reply = await postJson(
      agent,
      bench.port,
      '/v1/generations',
      { authorization: `Bearer ${apiKey}`, 'idempotency-key': `generation-${i}` },
      body,
    );
    const elapsed = performance.now() - started;
    if (reply.status !== 201)
      throw new Error(`POST /v1/generations: ${reply.status} ${reply.body}`);
    return { elapsed, text: (JSON.parse(reply.body) as { text: string }).text };
  };
  const bare = async (prompt: string, seed: number) => {
    const started = performance.now();
    // The options RecordsService.generate passes for this request (no policy, no steering).
    const generated = await runtime.generate(prompt, {
      maxTokens: tokens,
      temperature: undefined,
      topP: undefined,
      seed,
      steering: [],
    });
    return { elapsed: performance.now() - started, text: generated.text };
  };
  const total = warmup + requests;
  for (let i = 0; i < total; i++) {
    const prompt = PROMPTS[i % PROMPTS.length];
    const seed = 1000 + i;
    const first = i % 2 === 0 ? await http(i, prompt, seed) : await bare(prompt, seed);
    const second = i % 2 === 0 ? await bare(prompt, seed) : await http(i, prompt, seed);
    const [h, b] = i % 2 === 0 ? [first, second] : [second, first];
    progress('generations       ', i + 1, total, i < warmup ? '(warm-up)' : 'pairs');
    if (i < warmup) continue;
    result.httpMs.push(h.elapsed);
    result.bareMs.push(b.elapsed);
    if (h.text === b.text) result.sameText++;
  }
  agent.destroy();
  return result;
}

export function overheadRatio(times: OverheadTimes): number {
  return median(times.httpMs) / median(times.bareMs);
}
