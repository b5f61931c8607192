import { cliArg } from 'training/cli-args';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { evaluateModel } from 'training/eval/evaluate';
import { ngramBaselines } from 'training/eval/heldout-figures';
import { heldOutPerplexity } from 'training/eval/model-eval';
import { initParams, ModelConfig, Params } from 'training/model/model';
import { tfReady } from 'training/model/tf';
import { loadParams } from 'training/train/checkpoint';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { prepare } from 'training/train/prepare';

/**
 * `npm run model:eval -- [--config smoke|full] [--run DIR] [--backbone-run DIR] [--every K] [--json]`: the
 * figures of issue 4 on the held-out split, for the run's latest checkpoint.
 */
function loadRun(dir: string): {
  params: Params;
  model: ModelConfig;
  step: number;
  tokens: number;
} {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    model: ModelConfig;
  };
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    step: number;
    tokens: number;
  };
  const params = initParams(summary.model);
  loadParams(dir, params);
  return { params, model: summary.model, step: state.step, tokens: state.tokens };
}

async function main(): Promise<void> {
  await tfReady();
  const config: TrainingConfig = CONFIGS[(cliArg('config') ?? 'full') as TrainingConfig['name']];
  const runDir = resolve(cliArg('run') ?? join('build', 'runs', config.name));
  const backboneDir = resolve(
    cliArg('backbone-run') ?? join('build', 'runs', `${config.name}-backbone`),
  );
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const prepared = prepare(resolve('build'), config.vocabSize, config.maxChunks, log);
  // `--every K`: score every K-th held-out chunk only, for a quick look at a run in progress.
  const every = Number(cliArg('every') ?? 1);
  if (!Number.isInteger(every) || every < 1) throw new Error('--every must be a positive integer');
  const data = { ...prepared, test: prepared.test.filter((_, i) => i % every === 0) };
  const run = loadRun(runDir);
  log(`evaluating ${runDir} at step ${run.step} on ${data.test.length} held-out chunks`);
  const model = evaluateModel(run.params, run.model, data.test);
  let backbonePerplexity: number | null = null;
  let backboneStep: number | null = null;
  if (existsSync(join(backboneDir, 'summary.json'))) {
    const backbone = loadRun(backboneDir);
    backbonePerplexity = heldOutPerplexity(backbone.params, backbone.model, data.test);
    backboneStep = backbone.step;
  }
  const baselines = ngramBaselines(
    data.train.map((c) => c.ids),
    data.test,
    run.model.contextLength,
    data.tokenizer.size,
  );
  const result = {
    step: run.step,
    trainingTokens: run.tokens,
    perplexity: model.perplexity,
    backbonePerplexity,
    backboneStep,
    interpretabilityTax: backbonePerplexity ? model.perplexity / backbonePerplexity : null,
    trigramPerplexity: baselines.trigramPerplexity,
    bigramPerplexity: baselines.bigramPerplexity,
    conceptAuroc: model.conceptAuroc,
    conceptsScored: model.conceptsScored,
    conceptShare: model.conceptShare,
    knownShare: model.knownShare,
    completenessMaxError: model.completenessMaxError,
    heldOutTokens: model.tokens,
    heldOutChunks: model.chunks,
  };
  process.stdout.write(
    process.argv.includes('--json')
      ? `${JSON.stringify(result)}\n`
      : `${JSON.stringify(result, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
