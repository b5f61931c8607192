import { join, resolve } from 'node:path';
import { cliArg } from 'training/cli-args';
import { median } from 'training/eval/auroc';
import { conceptRowFigures, logTokenFrequency } from 'training/eval/concept-rows';
import { heldOutSequences } from 'training/eval/heldout-figures';
import { fitRows, LogitParts, namedShare } from 'training/eval/share-trial';
import { forward, ModelConfig, Params } from 'training/model/model';
import { matMul, tf, tfReady } from 'training/model/tf';
import { readRun } from 'training/train/checkpoint';
import { CONFIGS, TrainingConfig } from 'training/train/configs';
import { prepare } from 'training/train/prepare';
import { LabelledChunk } from 'training/train/data';

/**
 * `npm run model:share-trial -- --config v2 --run DIR [--train-every 40] [--every 10] [--json]`:
 * the named share of a run's target logits under four decompositions of the same hidden state
 * (share-trial.ts): as trained; with a baseline vector taken out of ε; with a baseline and the
 * unnamed rows fitted by least squares; with a baseline and every row fitted. Fitted on every
 * `train-every`-th training chunk, scored on every `every`-th held-out chunk; each split's named
 * share also where some named concept is detected (probability ≥ 0.5) and where none is.
 */
/** A named concept counts as detected at a position where its detector's probability is this. */
const DETECTED = 0.5;

type Variant = 'trained' | 'baseline' | 'unnamedFitted' | 'allFitted';

interface Rows {
  known: tf.Tensor2D;
  unknown: tf.Tensor2D;
  baseline: tf.Tensor1D | null;
}

function eachWindow(
  chunks: LabelledChunk[],
  model: ModelConfig,
  visit: (input: number[], target: number[]) => void,
): void {
  for (const windows of heldOutSequences(chunks, model.contextLength)) {
    for (const seq of windows) if (seq.length >= 2) visit(seq.slice(0, -1), seq.slice(1));
  }
}

/** XᵀX and Xᵀh over the positions of `chunks`, X = [named weights, unnamed weights, 1]. */
function normalEquations(params: Params, model: ModelConfig, chunks: LabelledChunk[]) {
  const p = model.knownConcepts + model.unknownConcepts + 1;
  const gram = tf.variable(tf.zeros([p, p]));
  const cross = tf.variable(tf.zeros([p, model.dModel]));
  let positions = 0;
  eachWindow(chunks, model, (input) => {
    tf.tidy(() => {
      const out = forward(params, model, tf.tensor2d([input], [1, input.length], 'int32'));
      const X = tf.concat([out.knownWeights, out.unknownWeights, tf.ones([input.length, 1])], 1);
      const Xt = tf.transpose(X) as tf.Tensor2D;
      gram.assign(tf.add(gram, matMul(Xt, X as tf.Tensor2D)));
      cross.assign(tf.add(cross, matMul(Xt, out.h)));
    });
    positions += input.length;
  });
  const rows = (t: tf.Variable) => (t.arraySync() as number[][]).map((r) => Float64Array.from(r));
  const result = { gram: rows(gram), cross: rows(cross), positions };
  gram.dispose();
  cross.dispose();
  return result;
}

function fittedRows(
  params: Params,
  model: ModelConfig,
  equations: ReturnType<typeof normalEquations>,
  fitKnown: boolean,
  fitUnknown: boolean,
): Rows {
  const n = model.knownConcepts;
  const m = model.unknownConcepts;
  const known = params.knownEmbedding.arraySync() as number[][];
  const unknown = params.unknownEmbedding.arraySync() as number[][];
  const fixed = new Map<number, number[]>();
  if (!fitKnown) known.forEach((row, k) => fixed.set(k, row));
  if (!fitUnknown) unknown.forEach((row, u) => fixed.set(n + u, row));
  const solved = fitRows(equations.gram, equations.cross, fixed, equations.positions);
  const rows = (from: number, count: number, given: number[][]) =>
    tf.tensor2d(
      Array.from({ length: count }, (_, i) => Array.from(solved.get(from + i) ?? given[i])),
    );
  return {
    known: rows(0, n, known),
    unknown: rows(n, m, unknown),
    baseline: tf.tensor1d(Array.from(solved.get(n + m) as Float64Array)),
  };
}

async function main(): Promise<void> {
  await tfReady();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const config: TrainingConfig = CONFIGS[(cliArg('config') ?? 'v2') as TrainingConfig['name']];
  const runDir = resolve(cliArg('run') ?? join('build', 'runs', config.name));
  const trainEvery = Number(cliArg('train-every') ?? 40);
  const every = Number(cliArg('every') ?? 10);
  const prepared = prepare(resolve(config.build ?? 'build'), config, log);
  const { params, summary } = readRun<{ model: ModelConfig }>(runDir);
  const model = summary.model;
  const train = prepared.train.filter((_, i) => i % trainEvery === 0);
  const test = prepared.test.filter((_, i) => i % every === 0);
  log(`fitting on ${train.length} training chunks`);
  const equations = normalEquations(params, model, train);
  log(`fitted on ${equations.positions} positions; scoring ${test.length} held-out chunks`);
  const variants: Record<Variant, Rows> = {
    trained: {
      known: params.knownEmbedding as tf.Tensor2D,
      unknown: params.unknownEmbedding as tf.Tensor2D,
      baseline: null,
    },
    baseline: fittedRows(params, model, equations, false, false),
    unnamedFitted: fittedRows(params, model, equations, false, true),
    allFitted: fittedRows(params, model, equations, true, true),
  };
  const parts = Object.fromEntries(
    Object.keys(variants).map((v) => [v, [] as LogitParts[]]),
  ) as Record<Variant, LogitParts[]>;
  // Positions where some named concept's detector says it is present (probability ≥ 0.5).
  const detected: boolean[] = [];
  eachWindow(test, model, (input, target) => {
    tf.tidy(() => {
      const out = forward(params, model, tf.tensor2d([input], [1, input.length], 'int32'));
      tf.max(tf.sigmoid(out.knownLogits), 1)
        .dataSync()
        .forEach((p) => detected.push(p >= DETECTED));
      const row = tf.gather(params.tokenEmbedding, tf.tensor1d(target, 'int32')) as tf.Tensor2D;
      const dot = (v: tf.Tensor) => tf.sum(tf.mul(v, row), -1).dataSync();
      const absParts = (w: tf.Tensor2D, rows: tf.Tensor2D) =>
        tf.sum(tf.abs(tf.mul(w, matMul(row, tf.transpose<tf.Tensor2D>(rows)))), -1).dataSync();
      for (const [name, rows] of Object.entries(variants) as [Variant, Rows][]) {
        const base = rows.baseline ?? tf.zeros([model.dModel]);
        const epsilon = tf.sub(
          tf.sub(
            tf.sub(out.h, matMul(out.knownWeights, rows.known)),
            matMul(out.unknownWeights, rows.unknown),
          ),
          base,
        );
        const named = absParts(out.knownWeights, rows.known);
        const unnamed = absParts(out.unknownWeights, rows.unknown);
        const eps = dot(epsilon);
        const baseline = dot(tf.mul(tf.onesLike(out.h), base));
        for (let t = 0; t < target.length; t++) {
          parts[name].push({
            named: named[t],
            unnamed: unnamed[t],
            epsilon: Math.abs(eps[t]),
            baseline: Math.abs(baseline[t]),
          });
        }
      }
    });
  });
  const trainIds = prepared.train.map((c) => c.ids);
  const rowShape = (rows: tf.Tensor2D) =>
    conceptRowFigures(
      tf.tidy(() => matMul(rows, tf.transpose(params.tokenEmbedding) as tf.Tensor2D).arraySync()),
      logTokenFrequency(trainIds, model.vocabSize),
    );
  const figures = Object.fromEntries(
    (Object.entries(parts) as [Variant, LogitParts[]][]).map(([name, ps]) => {
      const shape = rowShape(variants[name].known);
      const of = (f: (p: LogitParts) => number) => median(ps.map(f));
      const where = (on: boolean) =>
        median(ps.filter((_, i) => detected[i] === on).map(namedShare));
      const rest = (p: LogitParts) => p.named + p.unnamed + p.epsilon;
      return [
        name,
        {
          namedShare: of(namedShare),
          namedShareWhereDetected: where(true),
          namedShareElsewhere: where(false),
          unnamedShare: of((p) => (rest(p) > 0 ? p.unnamed / rest(p) : 0)),
          epsilonShare: of((p) => (rest(p) > 0 ? p.epsilon / rest(p) : 0)),
          namedShareWithBaseline: of((p) => p.named / (rest(p) + p.baseline || 1)),
          baselineOfLogit: of((p) => p.baseline / (p.baseline + rest(p) || 1)),
          namedRowRankCorrelation: shape.rankCorrelation,
          namedRowNonMeanShare: shape.nonMeanShare,
          namedRowFirstDirectionShare: shape.firstDirectionShare,
        },
      ];
    }),
  );
  const result = {
    run: runDir,
    fitPositions: equations.positions,
    trainChunks: train.length,
    heldOutChunks: test.length,
    heldOutPositions: parts.trained.length,
    positionsWithANamedConceptDetected: detected.filter(Boolean).length / detected.length,
    figures,
  };
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    for (const [name, f] of Object.entries(figures)) {
      log(
        `${name}: named ${f.namedShare.toFixed(3)} (${f.namedShareWhereDetected.toFixed(3)} where one is detected, ${f.namedShareElsewhere.toFixed(3)} elsewhere), unnamed ${f.unnamedShare.toFixed(3)}, ε ${f.epsilonShare.toFixed(3)}, baseline ${f.baselineOfLogit.toFixed(3)} of the logit; rows ρ ${f.namedRowRankCorrelation.toFixed(3)}, own ${f.namedRowNonMeanShare.toFixed(3)}, first direction ${f.namedRowFirstDirectionShare.toFixed(3)}`,
      );
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
