import { cliArg } from 'training/cli-args';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ModelConfig } from 'training/model/model';
import { tf, tfReady } from 'training/model/tf';
import { readRun, saveTensors } from 'training/train/checkpoint';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { buildStream } from 'training/train/data';
import { prepare } from 'training/train/prepare';
import { namedRowProblem, refitNamedRows, RefitSettings } from 'training/train/refit-rows';
import { unigramLogPrior } from 'training/train/trainer';

/**
 * `npm run model:refit-rows -- --config v2 --run DIR --out DIR [--epochs N] [--learning-rate X]
 * [--effect-prior LOGITS] [--targets after|at-and-after]`:
 * solves the named rows' own objective to convergence on a finished run (everything else frozen)
 * and writes a checkpoint that differs from the run's in `knownEmbedding` only, for
 * `model:package`. The served model's logits do not depend on the named rows; what changes is
 * what the rows say: explanations, steering, the named share.
 *
 * `--targets at-and-after` (the default) counts, beside the tokens that follow a concept's
 * evidence, the evidence's own first token wherever it occurs in a chunk that has the concept, so
 * a row raises the words that name its concept; `after` is the 2.1.0 refit.
 */
const DEFAULTS: RefitSettings = {
  epochs: 60,
  batchSets: 1024,
  learningRate: 0.1,
  sharedDirectionWeight: 1,
  effectPriorScale: 2,
};

function numberArg(flag: string, fallback: number, ok: (x: number) => boolean): number {
  const raw = cliArg(flag);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !ok(value)) throw new Error(`--${flag}: ${raw} is out of range`);
  return value;
}

async function main(): Promise<void> {
  await tfReady();
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
  const name = (cliArg('config') ?? 'v2') as TrainingConfig['name'];
  const config = CONFIGS[name];
  if (!config) throw new Error(`--config: no configuration ${name}`);
  const runDir = resolve(cliArg('run') ?? join('model-store', '.checkpoints', name));
  const outDir = resolve(cliArg('out') ?? `${runDir}-rows`);
  if (outDir === runDir) throw new Error('--out must be another folder than --run');
  const window = config.objective.knownPathWindow;
  if (!(window > 0) || config.objective.frequencyPrior === 'none') {
    throw new Error(
      `the ${name} configuration has no windowed named-only path with a prior: nothing to refit`,
    );
  }
  const targets = cliArg('targets') ?? 'at-and-after';
  if (targets !== 'after' && targets !== 'at-and-after') {
    throw new Error(`--targets: ${targets} is neither "after" nor "at-and-after"`);
  }
  const settings: RefitSettings = {
    epochs: numberArg('epochs', DEFAULTS.epochs, (x) => Number.isInteger(x) && x >= 1),
    batchSets: DEFAULTS.batchSets,
    learningRate: numberArg('learning-rate', DEFAULTS.learningRate, (x) => x > 0 && x <= 1),
    sharedDirectionWeight: config.objective.sharedDirectionWeight,
    effectPriorScale: numberArg('effect-prior', DEFAULTS.effectPriorScale, (x) => x > 0),
  };
  const { summary, params } = readRun<{ model: ModelConfig } & Record<string, unknown>>(runDir);
  if (summary.config !== name) {
    throw new Error(`${runDir} is a ${String(summary.config)} run, not ${name}`);
  }
  const data = prepare(resolve(config.build ?? 'build'), config, log);
  const stream = buildStream(data.train);
  const problem = namedRowProblem(
    stream,
    summary.model.knownConcepts,
    summary.model.vocabSize,
    window,
    targets === 'at-and-after',
  );
  log(
    `${problem.positions} positions ${targets === 'after' ? '' : "at a concept's evidence or "}within ${window} tokens after a concept's evidence, ${problem.sets.length} distinct concept sets`,
  );
  const logPrior = unigramLogPrior(stream, summary.model.vocabSize);
  const result = refitNamedRows(
    problem,
    params.knownEmbedding.dataSync() as Float32Array,
    params.tokenEmbedding as tf.Tensor2D,
    logPrior,
    settings,
    log,
  );
  params.knownEmbedding.assign(
    tf.tensor2d(result.rows, params.knownEmbedding.shape as [number, number]),
  );
  saveTensors(outDir, 'params', params);
  copyFileSync(join(runDir, 'state.json'), join(outDir, 'state.json'));
  const namedRowRefit = {
    from: relative(process.cwd(), runDir),
    window,
    targets,
    ...settings,
    steps: result.steps,
    positions: problem.positions,
    conceptSets: problem.sets.length,
    namedOnlyLossBefore: result.lossBefore,
    namedOnlyLossAfter: result.lossAfter,
    sharedDirectionBefore: result.sharedBefore,
    sharedDirectionAfter: result.sharedAfter,
    effectPriorBefore: result.priorBefore,
    effectPriorAfter: result.priorAfter,
    minutes: (Date.now() - started) / 60_000,
  };
  writeFileSync(
    join(outDir, 'summary.json'),
    JSON.stringify({ ...summary, namedRowRefit }, null, 2),
  );
  log(
    `named-only loss ${result.lossBefore.toFixed(4)} → ${result.lossAfter.toFixed(4)} nats per position; wrote ${outDir}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
