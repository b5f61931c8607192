import { cliArg } from 'training/cli-args';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONCEPTS } from 'training/concepts/labeller';
import { conceptWeightsRunner } from 'src/model-runtime/concept-weights';
import { modelCard } from 'training/export/model-card';
import { exportOnnx } from 'training/export/onnx-export';
import { writeModelPackage } from 'training/export/write-package';
import { ModelConfig } from 'training/model/model';
import { tfReady } from 'training/model/tf';
import { readRun } from 'training/train/checkpoint';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { prepare } from 'training/train/prepare';
import {
  buildTrainingIndex,
  PARAGRAPH_READINGS,
  ParagraphReading,
  TrainingIndex,
} from 'training/export/training-index';
import { readModelPackage } from 'src/model-package/model-package';

/**
 * `npm run model:package -- [--config smoke|full|v2] [--run DIR] [--out model-store] [--name N]
 * [--version V] [--evaluation FILE] [--paragraphs alone|in-chunk]`:
 * turns a training run into a model package, then reads it back through the same checks the
 * runtime applies. `--paragraphs in-chunk` indexes training paragraphs as packages up to 2.2.0
 * did (readingWindows). The name defaults to `audit-lm-<config>`; a new version of a model line
 * (v2 is `full`'s shape retrained) keeps its line's name, so records read as one model's
 * versions.
 */
interface Summary {
  config: string;
  step: number;
  tokens: number;
  minutes: number;
  heldOutPerplexity: number;
  losses: Record<string, number>;
  model: ModelConfig;
  /** Set by `model:refit-rows`: the named rows were solved again after training. */
  namedRowRefit?: Record<string, unknown>;
}

/** The hand-checked precision of the concept labels, per group (concepts/PRECISION.md). */
function readLabelPrecision(): Record<string, unknown> {
  const review = JSON.parse(
    readFileSync(resolve('training/concepts/precision-review.json'), 'utf8'),
  ) as { method: string; byGroup: Record<string, unknown>; overall: unknown };
  return { method: review.method, byGroup: review.byGroup, overall: review.overall };
}

/**
 * `--evaluation FILE`: the JSON `model:eval` printed for this run, so the manifest and the card
 * carry the full held-out figures. It must be for the step being packaged.
 */
function readEvaluation(file: string | undefined, step: number): Record<string, unknown> {
  if (!file) return {};
  const evaluation = JSON.parse(readFileSync(resolve(file), 'utf8')) as Record<string, unknown>;
  if (evaluation.step !== step) {
    throw new Error(
      `--evaluation: ${file} is for step ${String(evaluation.step)}, the run is at ${step}`,
    );
  }
  return evaluation;
}

/** `--paragraphs alone|in-chunk`: how the training-data index reads paragraphs (readingWindows). */
function paragraphReading(): ParagraphReading {
  const reading = cliArg('paragraphs') ?? 'alone';
  if (!PARAGRAPH_READINGS.includes(reading as ParagraphReading)) {
    throw new Error(`--paragraphs: ${reading} is not one of ${PARAGRAPH_READINGS.join(', ')}`);
  }
  return reading as ParagraphReading;
}

async function main(): Promise<void> {
  await tfReady();
  const config = cliArg('config') ?? 'smoke';
  const runDir = resolve(cliArg('run') ?? join('build', 'runs', config));
  // Read before minutes of work, so a bad flag is refused at once.
  const reading = paragraphReading();
  const { summary, params } = readRun<Summary>(runDir);
  const model = summary.model;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const trainingConfig = CONFIGS[config as TrainingConfig['name']];
  // Builds the corpus and the tokenizer too when this checkout has not made them yet.
  const buildDir = resolve(cliArg('build') ?? trainingConfig.build ?? 'build');
  const data = prepare(buildDir, trainingConfig, log);
  if (trainingConfig.vocabSize !== model.vocabSize) {
    throw new Error(
      `the run in ${runDir} has ${model.vocabSize} tokens; the ${config} configuration ${trainingConfig.vocabSize}`,
    );
  }
  const { tokenizer } = data;
  const corpus = JSON.parse(readFileSync(join(buildDir, 'corpus', 'manifest.json'), 'utf8')) as {
    sources: Record<string, unknown>[];
    canaries: Record<string, unknown>[];
  };
  // The index takes minutes for the full corpus: kept beside the run, keyed by its step and how
  // it reads paragraphs, so packaging again (say with --evaluation once model:eval is done) does
  // not rebuild it.
  const cache = join(runDir, `training-index-${reading}-step${summary.step}.json`);
  let index: TrainingIndex;
  if (existsSync(cache)) {
    index = JSON.parse(readFileSync(cache, 'utf8')) as TrainingIndex;
    log(`reusing ${cache}`);
  } else {
    const weightsOf = await conceptWeightsRunner(exportOnnx(params, model), model);
    index = await buildTrainingIndex(
      model,
      data.trainChunks.map((meta) => ({ meta, ...tokenizer.encodeWithEnds(meta.text) })),
      weightsOf,
      (done, total) => process.stderr.write(`\rindexing training chunks ${done}/${total}`),
      reading,
    );
    process.stderr.write('\n');
    writeFileSync(cache, JSON.stringify(index));
  }
  const name = cliArg('name') ?? `audit-lm-${config}`;
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) {
    throw new Error(`--name: ${name} is not a package name (lower-case letters, digits, . and -)`);
  }
  const version = cliArg('version') ?? '0.1.0';
  const dir = resolve(cliArg('out') ?? 'model-store', name, version);
  writeModelPackage({
    dir,
    name,
    version,
    params,
    model,
    tokenizer,
    concepts: CONCEPTS,
    training: {
      configuration: config,
      steps: summary.step,
      tokens: summary.tokens,
      minutes: Math.round(summary.minutes * 10) / 10,
      finalLosses: summary.losses,
      seed: model.seed,
      objective: trainingConfig.objective,
      ...(summary.namedRowRefit ? { namedRowRefit: summary.namedRowRefit } : {}),
      trainingIndex: { paragraphs: reading },
    },
    corpus,
    evaluation: {
      heldOutPerplexity: summary.heldOutPerplexity,
      ...readEvaluation(cliArg('evaluation'), summary.step),
      labelPrecision: readLabelPrecision(),
    },
    ...(trainingConfig.objective.sharedDirectionWeight > 0
      ? { steering: 'concept-specific' as const }
      : {}),
    index,
    modelCard,
  });
  const { manifest } = readModelPackage(dir);
  process.stderr.write(`wrote ${dir} (${Object.keys(manifest.files).length} files, verified)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
