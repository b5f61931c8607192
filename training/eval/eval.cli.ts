import { cliArg } from 'training/cli-args';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from 'src/config/config';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { PackageManifest } from 'src/model-package/model-package';
import { createLabeller } from 'training/concepts/labeller';
import { evaluateModel } from 'training/eval/evaluate';
import { figuresTable } from 'training/eval/eval-report';
import { ngramBaselines } from 'training/eval/heldout-figures';
import { continuationNll, heldOutPerplexity } from 'training/eval/model-eval';
import {
  attributionPrecision,
  DECODING,
  steeringEfficacy,
  suppressionPrompts,
  SteeringStrength,
  TextScorer,
} from 'training/eval/explanation-eval';
import { EVAL_PROMPTS, STEERED_CONCEPTS } from 'training/eval/prompts';
import { BOS, Tokenizer } from 'src/model-package/tokenizer';
import { conceptRowFigures, logTokenFrequency } from 'training/eval/concept-rows';
import { evaluatePackage } from 'training/eval/onnx-eval';
import { ModelConfig, Params } from 'training/model/model';
import { matMul, tf, tfReady } from 'training/model/tf';
import { readRun } from 'training/train/checkpoint';
import { SourceName } from 'training/corpus/sources';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { labelChunk, prepare, readCorpus, sliceChunks } from 'training/train/prepare';

/**
 * `npm run model:eval -- [--json] [--every K]`: the card's figures for the shipped model package
 * (MODEL_STORE_DIR/MODEL_NAME/MODEL_VERSION, as the service reads them), run through onnxruntime
 * on the held-out split, so a clone can check the card it ships.
 *
 * `npm run model:eval -- --run DIR | --config smoke|full [--backbone-run DIR] [--every K] [--json]`:
 * the same figures for a training run's latest checkpoint, through tfjs.
 *
 * The shipped package's figures include the named rows' shape (rank correlation with token
 * frequency, the share that is not the mean row), attribution precision@3 on the fixed prompts of
 * `prompts.ts` (two seeds each; beside it, not the goal's figure, the same among the concepts the
 * model detected) and steering efficacy (24 concepts: amplified on 50 of those prompts and
 * suppressed on 50 cuts of held-out text that carries the concept, each against plain
 * generation of the same prompts, with the backbone twin's perplexity of the text when the store
 * holds the twin's checkpoint). `--no-generation` leaves the generation figures out;
 * `--amplify-weight W` and `--suppress-penalty P` measure steering at another strength.
 *
 * `--every K` scores every K-th held-out chunk, prompt and steered concept only (and 50/K prompts
 * per concept), for a quick look.
 */
type Figures = Record<string, unknown>;
type Log = (line: string) => void;

function loadRun(dir: string): {
  params: Params;
  model: ModelConfig;
  step: number;
  tokens: number;
} {
  const { summary, params, step, tokens } = readRun(dir);
  return { params, model: summary.model, step, tokens };
}

async function evaluateRun(every: number, log: Log): Promise<Figures> {
  await tfReady();
  const config: TrainingConfig = CONFIGS[(cliArg('config') ?? 'full') as TrainingConfig['name']];
  const runDir = resolve(cliArg('run') ?? join('build', 'runs', config.name));
  const backboneDir = resolve(
    cliArg('backbone-run') ?? join('build', 'runs', `${config.name}-backbone`),
  );
  const buildDir = resolve(cliArg('build') ?? config.build ?? 'build');
  const prepared = prepare(buildDir, config, log);
  const test = prepared.test.filter((_, i) => i % every === 0);
  const run = loadRun(runDir);
  log(`evaluating ${runDir} at step ${run.step} on ${test.length} held-out chunks`);
  const model = evaluateModel(run.params, run.model, test);
  let backbonePerplexity: number | null = null;
  let backboneStep: number | null = null;
  if (existsSync(join(backboneDir, 'summary.json'))) {
    const backbone = loadRun(backboneDir);
    backbonePerplexity = heldOutPerplexity(backbone.params, backbone.model, test);
    backboneStep = backbone.step;
  }
  const baselines = ngramBaselines(
    prepared.train.map((c) => c.ids),
    test,
    run.model.contextLength,
    prepared.tokenizer.size,
  );
  const effects = tf.tidy(() =>
    matMul(
      run.params.knownEmbedding as tf.Tensor2D,
      tf.transpose(run.params.tokenEmbedding) as tf.Tensor2D,
    ).arraySync(),
  );
  const rows = conceptRowFigures(
    effects,
    logTokenFrequency(
      prepared.train.map((c) => c.ids),
      run.model.vocabSize,
    ),
  );
  return {
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
    namedRowRankCorrelation: rows.rankCorrelation,
    namedRowNonMeanShare: rows.nonMeanShare,
    namedRowFirstDirectionShare: rows.firstDirectionShare,
    completenessMaxError: model.completenessMaxError,
    heldOutTokens: model.tokens,
    heldOutChunks: model.chunks,
  };
}

/**
 * The held-out split is only the training-time split if the corpus is built from the same source
 * packages into the same documents and chunks: the package's manifest records what it was.
 */
function checkCorpus(manifest: PackageManifest, buildDir: string): void {
  const corpus = JSON.parse(readFileSync(join(buildDir, 'corpus', 'manifest.json'), 'utf8')) as {
    sources: Record<string, unknown>[];
  };
  const key = (s: Record<string, unknown>) =>
    JSON.stringify([s.name, s.package, s.version, s.documents, s.testDocuments, s.chunks]);
  const built = corpus.sources.map(key);
  const shipped = manifest.sources.map(key);
  if (JSON.stringify(built) !== JSON.stringify(shipped)) {
    throw new Error(
      `the corpus in ${buildDir}/corpus is not the one the package was trained on ` +
        `(built ${built.join(' ')}; the manifest says ${shipped.join(' ')}): ` +
        `its held-out split would not be the card's`,
    );
  }
}

/** One progress line on stderr, rewritten in place on a terminal, every tenth otherwise. */
function progress(label: string): (done: number, total: number) => void {
  const started = Date.now();
  let shown = -1;
  return (done, total) => {
    const seconds = (Date.now() - started) / 1000;
    const left = done > 0 ? (seconds * (total - done)) / done : 0;
    const line = `${label} ${done}/${total} (${Math.floor((100 * done) / total)}%), ${seconds.toFixed(0)} s, about ${left.toFixed(0)} s left`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}${done === total ? '\n' : ''}`);
    } else if (Math.floor((10 * done) / total) > shown) {
      shown = Math.floor((10 * done) / total);
      process.stderr.write(`${line}\n`);
    }
  };
}

async function evaluateShippedPackage(
  every: number,
  log: Log,
): Promise<{ figures: Figures; card: Figures }> {
  // Read before minutes of evaluation, so a bad flag is refused at once.
  const strength = steeringStrength();
  const config = loadConfig();
  const dir = join(config.MODEL_STORE_DIR, config.MODEL_NAME, config.MODEL_VERSION);
  log(`loading ${dir}`);
  const runtime = await ModelRuntime.open(
    config.MODEL_STORE_DIR,
    config.MODEL_NAME,
    config.MODEL_VERSION,
  );
  try {
    const { model } = runtime;
    const { manifest } = model.pkg;
    const card = manifest.evaluation;
    const training = manifest.training as {
      configuration?: string;
      steps?: number;
      tokens?: number;
    };
    const configuration = CONFIGS[training.configuration as TrainingConfig['name']] as
      TrainingConfig | undefined;
    const buildDir = resolve(cliArg('build') ?? configuration?.build ?? 'build');
    const sources = manifest.sources.map((s) => s.name as SourceName);
    const chunks = sliceChunks(readCorpus(buildDir, sources, log), configuration?.maxChunks);
    checkCorpus(manifest, buildDir);
    // The package's own tokenizer, not one trained here: its ids are the ones the graph was
    // trained on, whatever a retrained tokenizer would give.
    const { tokenizer } = model;
    const labeller = createLabeller();
    const test = chunks
      .filter((c) => c.split === 'test')
      .filter((_, i) => i % every === 0)
      .map((c) => labelChunk(c, tokenizer, labeller));
    log(
      `evaluating ${manifest.name} ${manifest.version} through onnxruntime on ${test.length} held-out chunks`,
    );
    const figures = await evaluatePackage(model, test, progress('held-out windows'));
    log('training the Kneser-Ney bigram and trigram baselines');
    const trainIds = chunks.filter((c) => c.split === 'train').map((c) => tokenizer.encode(c.text));
    const baselines = ngramBaselines(trainIds, test, model.shapes.contextLength, tokenizer.size);
    const rows = conceptRowFigures(
      model.knownEffects,
      logTokenFrequency(trainIds, model.shapes.vocabSize),
    );
    const generations = !process.argv.includes('--no-generation');
    const precision = generations
      ? await attributionPrecision(
          runtime,
          labeller,
          EVAL_PROMPTS.filter((_, i) => i % every === 0),
          [1, 2],
          progress('explained generations'),
        )
      : null;
    const backboneDir = join(
      config.MODEL_STORE_DIR,
      '.checkpoints',
      `${String(training.configuration)}-backbone`,
    );
    await tfReady();
    const scorer = backboneScorer(backboneDir, tokenizer, log);
    const heldOutChunks = chunks.filter((c) => c.split === 'test');
    // A prompt, [BOS] and the continuation must fit the context: the runtime stops there.
    const fits = (text: string) =>
      tokenizer.encode(text).length + 1 + DECODING.maxTokens <= model.shapes.contextLength;
    const steering = generations
      ? await steeringEfficacy(
          runtime,
          labeller,
          STEERED_CONCEPTS.filter((_, i) => i % every === 0),
          EVAL_PROMPTS,
          {
            count: Math.ceil(50 / every),
            scorer,
            progress: progress('steered generations'),
            strength,
            suppression: (concept) =>
              suppressionPrompts(concept, heldOutChunks, labeller, Math.ceil(50 / every), fits),
          },
        )
      : null;
    // The backbone twin (the same network without the concept layer) is not in the package:
    // its perplexity can only be the one the manifest recorded when the package was made.
    const backbonePerplexity =
      typeof card.backbonePerplexity === 'number' ? card.backbonePerplexity : null;
    return {
      card,
      figures: {
        package: `${manifest.name} ${manifest.version}`,
        manifestSha256: model.pkg.manifestSha256,
        runtime: 'onnxruntime',
        step: training.steps ?? null,
        trainingTokens: training.tokens ?? null,
        perplexity: figures.perplexity,
        backbonePerplexity,
        backboneStep: card.backboneStep ?? null,
        backboneSource: 'manifest',
        interpretabilityTax: backbonePerplexity ? figures.perplexity / backbonePerplexity : null,
        trigramPerplexity: baselines.trigramPerplexity,
        bigramPerplexity: baselines.bigramPerplexity,
        conceptAuroc: figures.conceptAuroc,
        conceptsScored: figures.conceptsScored,
        conceptShare: figures.conceptShare,
        knownShare: figures.knownShare,
        namedRowRankCorrelation: rows.rankCorrelation,
        namedRowNonMeanShare: rows.nonMeanShare,
        namedRowFirstDirectionShare: rows.firstDirectionShare,
        attributionPrecisionAt3: precision?.precisionAt3 ?? null,
        attributionPrecisionAt3Ceiling: precision?.precisionAt3Ceiling ?? null,
        attributionRecallAt3: precision?.recallAt3 ?? null,
        attributionTop1Accuracy: precision?.top1Accuracy ?? null,
        attributionLabelledChunks: precision?.labelledChunks ?? null,
        // Beside the goal's figure, not in it: the explanation cut to the concepts it detected.
        attributionDetectedPrecisionAt3: precision?.detected.precisionAt3 ?? null,
        attributionDetectedCited: precision?.detected.cited ?? null,
        attributionDetectedCoverage: precision?.detected.coverage ?? null,
        attributionDetectedTop1Accuracy: precision?.detected.top1Accuracy ?? null,
        steeringAmplifyAtLeast2x: steering?.amplifyAtLeast2x ?? null,
        steeringSuppressRatioMedian: steering?.suppressRatioMedian ?? null,
        steeringConcepts: steering?.concepts ?? null,
        steeringPromptsPerConcept: steering?.promptsPerConcept ?? null,
        steeringAmplifyWeight: steering?.strength.amplifyWeight ?? null,
        steeringSuppressPenalty: steering?.strength.suppressPenalty ?? null,
        completenessMaxError: figures.completenessMaxError,
        heldOutTokens: figures.tokens,
        heldOutChunks: figures.chunks,
        attribution: precision,
        steering,
      },
    };
  } finally {
    await runtime.close();
  }
}

/**
 * `--amplify-weight W` and `--suppress-penalty P`: steering efficacy at another strength than the
 * runtime's defaults (1 and 1), within the bounds the runtime accepts.
 */
function steeringStrength(): SteeringStrength {
  const read = (flag: string, ok: (x: number) => boolean, rule: string): number => {
    const raw = cliArg(flag);
    if (raw === undefined) return 1;
    const value = Number(raw);
    if (!Number.isFinite(value) || !ok(value)) {
      throw new Error(`--${flag} must be a number ${rule}, got ${raw}`);
    }
    return value;
  };
  return {
    amplifyWeight: read('amplify-weight', (x) => x > 0 && x <= 10, 'above 0 and at most 10'),
    suppressPenalty: read('suppress-penalty', (x) => x >= 0 && x <= 100, 'from 0 to 100'),
  };
}

/**
 * Scores continuations with the backbone twin's checkpoint (same tokenizer, no concept layer),
 * when the store holds it and its vocabulary is the package's; null otherwise.
 */
function backboneScorer(dir: string, tokenizer: Tokenizer, log: Log): TextScorer | null {
  if (!existsSync(join(dir, 'summary.json'))) {
    log(`no backbone twin at ${dir}: steered text is not scored`);
    return null;
  }
  const backbone = loadRun(dir);
  if (backbone.model.vocabSize !== tokenizer.size) {
    log(`the backbone twin at ${dir} has another vocabulary: steered text is not scored`);
    return null;
  }
  const T = backbone.model.contextLength;
  return (prompt, continuation) => {
    const head = [BOS, ...tokenizer.encode(prompt)];
    const ids = [...head, ...tokenizer.encode(continuation)].slice(0, T);
    return continuationNll(backbone.params, backbone.model, ids, Math.min(head.length, T - 1));
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const log: Log = (line) => process.stderr.write(`[${elapsed()}] ${line}\n`);
  const every = Number(cliArg('every') ?? 1);
  if (!Number.isInteger(every) || every < 1) throw new Error('--every must be a positive integer');
  const runMode = ['run', 'config', 'backbone-run'].some((flag) =>
    process.argv.includes(`--${flag}`),
  );
  const { figures, card } = runMode
    ? { figures: await evaluateRun(every, log), card: undefined }
    : await evaluateShippedPackage(every, log);
  process.stdout.write(
    process.argv.includes('--json')
      ? `${JSON.stringify(figures)}\n`
      : `${figuresTable(figures, card)}\n`,
  );
  // On stderr, so that the JSON on stdout stays the same from one run to the next.
  log(`model:eval took ${elapsed()}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
