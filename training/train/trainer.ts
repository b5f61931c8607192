import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initParams, ModelConfig, Params } from 'training/model/model';
import { tf } from 'training/model/tf';
import { hasCheckpoint, loadParams, loadTensors, saveTensors } from 'training/train/checkpoint';
import { teacherForcingAt, TrainingConfig } from 'training/train/configs';
import { sampleBatch, TokenStream } from 'training/train/data';
import { objective } from 'training/train/objective';
import { AdamW } from 'training/train/optimizer';
import { Random } from 'training/train/random';

export interface TrainingRun {
  config: TrainingConfig;
  model: ModelConfig;
  /** False: the backbone-only baseline. */
  conceptLayer: boolean;
  stream: TokenStream;
  runDir: string;
  /** Stop this invocation after this many minutes (a checkpoint is written); resume later. */
  minutes?: number;
  /** Stop this invocation at this step (as an interruption would); resume later. */
  stopAtStep?: number;
  onProgress?: (line: string) => void;
}

export interface TrainingState {
  step: number;
  random: number;
  tokens: number;
  elapsedMs: number;
  /** Exponential moving averages of the loss parts, for the progress line and the record. */
  losses: Record<string, number>;
}

/**
 * Seeded, resumable training. Everything that decides the next step (parameters, Adam moments,
 * the generator's state, the step) is in the checkpoint, so an interrupted run resumed from it
 * takes the same steps as one that never stopped.
 */
export function train(run: TrainingRun): { params: Params; state: TrainingState } {
  const { config, model } = run;
  const params = initParams(model);
  const optimizer = new AdamW(params, { ...config.optimizer, totalSteps: config.steps });
  let state: TrainingState = {
    step: 0,
    random: config.model.seed * 7919,
    tokens: 0,
    elapsedMs: 0,
    losses: {},
  };
  if (hasCheckpoint(run.runDir)) {
    state = restore(run.runDir, params, optimizer);
    run.onProgress?.(`resuming ${run.runDir} at step ${state.step}`);
  }
  const random = new Random(state.random);
  const varList = Object.values(params);
  const keyOf = new Map(Object.entries(params).map(([key, v]) => [v.name, key]));
  const started = Date.now();
  const budgetMs = (run.minutes ?? Infinity) * 60_000;
  const settings = { ...config.objective, conceptLayer: run.conceptLayer };
  const logPrior =
    settings.frequencyPrior === 'none' ? undefined : unigramLogPrior(run.stream, model.vocabSize);
  const B = config.batchSize;
  const T = model.contextLength;
  const lastStep = Math.min(config.steps, run.stopAtStep ?? Infinity);
  while (state.step < lastStep && Date.now() - started < budgetMs) {
    const batch = sampleBatch(
      run.stream,
      B,
      T,
      model.knownConcepts,
      random,
      undefined,
      settings.knownPathWindow,
    );
    const coin = random.next();
    const gate = new Float32Array(B * T);
    for (let i = 0; i < gate.length; i++)
      gate[i] = random.next() < config.objective.epsilonGateRate ? 0 : 1;
    const teacherForcing = teacherForcingAt(state.step, config);
    let parts: Record<string, number> = {};
    const { grads, value } = tf.variableGrads(() => {
      const loss = objective(
        params,
        model,
        { ...settings, teacherForcing },
        batch,
        coin,
        gate,
        logPrior,
      );
      parts = Object.fromEntries(
        Object.entries(loss).map(([k, v]) => [k, (v.dataSync() as Float32Array)[0]]),
      );
      return loss.total;
    }, varList);
    const named: Record<string, tf.Tensor> = {};
    for (const [name, g] of Object.entries(grads)) named[keyOf.get(name) ?? name] = g;
    optimizer.apply(named, state.step);
    tf.dispose([value, ...Object.values(grads)]);
    state.step++;
    state.tokens += B * T;
    for (const [k, v] of Object.entries(parts)) {
      state.losses[k] = state.losses[k] === undefined ? v : 0.98 * state.losses[k] + 0.02 * v;
    }
    state.random = random.state;
    const elapsed = state.elapsedMs + (Date.now() - started);
    if (state.step % 10 === 0 || state.step === config.steps) {
      run.onProgress?.(progressLine(state, config.steps, elapsed, Date.now() - started, B * T));
    }
    if (state.step % config.checkpointEvery === 0)
      save(run.runDir, params, optimizer, { ...state, elapsedMs: elapsed });
  }
  state.elapsedMs += Date.now() - started;
  save(run.runDir, params, optimizer, state);
  logPrior?.dispose();
  return { params, state };
}

/**
 * Add-one smoothed log frequencies of the training stream's tokens: a fixed prior, so that a
 * concept-only prediction need not spend its concepts on how common each token is.
 */
export function unigramLogPrior(stream: TokenStream, vocabSize: number): tf.Tensor1D {
  const counts = new Float64Array(vocabSize).fill(1);
  for (const token of stream.tokens) counts[token]++;
  const total = counts.reduce((a, b) => a + b, 0);
  return tf.tensor1d(Float32Array.from(counts, (c) => Math.log(c / total)));
}

function progressLine(
  s: TrainingState,
  steps: number,
  elapsedMs: number,
  sessionMs: number,
  tokensPerStep: number,
): string {
  const rate = (s.step * tokensPerStep) / (elapsedMs / 1000);
  const eta = ((steps - s.step) * tokensPerStep) / rate;
  const l = s.losses;
  const fmt = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(3));
  const bar = '#'.repeat(Math.round((20 * s.step) / steps)).padEnd(20, '.');
  return `[${bar}] step ${s.step}/${steps} loss ${fmt(l.total)} (lm ${fmt(l.lm)} via concepts ${fmt(l.conceptPath)} via known ${fmt(l.knownPath)} concept ${fmt(l.concept)} position ${fmt(l.position)} recon ${fmt(l.reconstruction)} indep ${fmt(l.independence)} shared ${fmt(l.shared)}) ${Math.round(rate)} tok/s ETA ${formatDuration(eta)} (session ${formatDuration(sessionMs / 1000)})`;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

function save(dir: string, params: Params, optimizer: AdamW, state: TrainingState): void {
  saveTensors(dir, 'params', params);
  const moments: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(optimizer.m)) moments[`m.${k}`] = v;
  for (const [k, v] of Object.entries(optimizer.v)) moments[`v.${k}`] = v;
  saveTensors(dir, 'adam', moments);
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
}

function restore(dir: string, params: Params, optimizer: AdamW): TrainingState {
  loadParams(dir, params);
  const moments = loadTensors(dir, 'adam');
  for (const k of Object.keys(params)) {
    optimizer.m[k].assign(tf.tensor(moments[`m.${k}`].data, moments[`m.${k}`].shape));
    optimizer.v[k].assign(tf.tensor(moments[`v.${k}`].data, moments[`v.${k}`].shape));
  }
  return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as TrainingState;
}
