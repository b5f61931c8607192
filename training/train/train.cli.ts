import { cliArg } from 'training/cli-args';
import { resolve, join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { CONCEPTS } from 'training/concepts/labeller';
import { heldOutPerplexity } from 'training/eval/model-eval';
import { ModelConfig } from 'training/model/model';
import { tfReady } from 'training/model/tf';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { buildStream } from 'training/train/data';
import { prepare } from 'training/train/prepare';
import { train } from 'training/train/trainer';

/**
 * `npm run model:train -- [--config smoke|full|...] [--backbone-only] [--minutes N]
 * [--stop-at-step S] [--run DIR] [--objective JSON] [--model JSON] [--steps S]`
 * Trains (or resumes) a run in build/runs/<config>[-backbone]/, checkpointing as it goes, then
 * reports held-out perplexity.
 */
async function main(): Promise<void> {
  const named: TrainingConfig | undefined =
    CONFIGS[(cliArg('config') ?? 'smoke') as TrainingConfig['name']];
  if (!named) throw new Error(`--config must be one of ${Object.keys(CONFIGS).join(', ')}`);
  // A trial's changes to the objective (same seed, same schedule), e.g.
  // --objective '{"frequencyPrior":"known"}'; recorded in the run's summary.
  const overrides = JSON.parse(cliArg('objective') ?? '{}') as Partial<TrainingConfig['objective']>;
  // A trial's changes to the shape, e.g. --model '{"unknownTopK":4}'; recorded in the summary.
  const shape = JSON.parse(cliArg('model') ?? '{}') as Partial<TrainingConfig['model']>;
  // --steps S: a shorter schedule of the same shape, for trials that finish their schedule.
  const steps = cliArg('steps');
  const config: TrainingConfig = {
    ...named,
    ...(steps ? { steps: Number(steps) } : {}),
    model: { ...named.model, ...shape },
    objective: { ...named.objective, ...overrides },
  };
  const conceptLayer = !process.argv.includes('--backbone-only');
  const buildDir = resolve(cliArg('build') ?? config.build ?? 'build');
  const runDir = resolve(
    cliArg('run') ?? join(buildDir, 'runs', `${config.name}${conceptLayer ? '' : '-backbone'}`),
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);
  await tfReady();
  const data = prepare(buildDir, config, log);
  const n = CONCEPTS.length;
  const model: ModelConfig = {
    ...config.model,
    vocabSize: data.tokenizer.size,
    knownConcepts: n,
    unknownConcepts: config.model.unknownPerKnown * n,
  };
  const stream = buildStream(data.train);
  log(
    `${config.name}: ${stream.tokens.length} training tokens, ${n} known and ${model.unknownConcepts} unknown concepts, ${config.steps} steps`,
  );
  const minutes = cliArg('minutes');
  const stopAt = cliArg('stop-at-step');
  const { params, state } = train({
    config,
    model,
    conceptLayer,
    stream,
    runDir,
    ...(minutes ? { minutes: Number(minutes) } : {}),
    ...(stopAt ? { stopAtStep: Number(stopAt) } : {}),
    onProgress: (line) => process.stderr.write(`\r${line}`),
  });
  process.stderr.write('\n');
  const perplexity = heldOutPerplexity(
    params,
    model,
    data.test,
    config.name === 'smoke' ? 100 : 600,
  );
  const summary = {
    config: config.name,
    conceptLayer,
    step: state.step,
    tokens: state.tokens,
    minutes: state.elapsedMs / 60000,
    losses: state.losses,
    heldOutPerplexity: perplexity,
    scheduleSteps: config.steps,
    objective: config.objective,
    model,
  };
  writeFileSync(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
