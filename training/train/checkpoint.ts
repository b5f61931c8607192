import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { initParams, ModelConfig, Params } from 'training/model/model';
import { tf } from 'training/model/tf';

interface Entry {
  name: string;
  shape: number[];
  offset: number;
}

/**
 * Named float32 tensors in one binary file plus a JSON index; written to a temporary name and
 * renamed, so an interrupted write never leaves a half checkpoint behind.
 */
export function saveTensors(dir: string, file: string, tensors: Record<string, tf.Tensor>): void {
  mkdirSync(dir, { recursive: true });
  const entries: Entry[] = [];
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name].dataSync() as Float32Array;
    entries.push({ name, shape: tensors[name].shape, offset });
    parts.push(data);
    offset += data.length;
  }
  const all = new Float32Array(offset);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  writeFileSync(join(dir, `${file}.bin.tmp`), Buffer.from(all.buffer));
  writeFileSync(join(dir, `${file}.json.tmp`), JSON.stringify(entries));
  renameSync(join(dir, `${file}.bin.tmp`), join(dir, `${file}.bin`));
  renameSync(join(dir, `${file}.json.tmp`), join(dir, `${file}.json`));
}

export function loadTensors(
  dir: string,
  file: string,
): Record<string, { shape: number[]; data: Float32Array }> {
  const entries = JSON.parse(readFileSync(join(dir, `${file}.json`), 'utf8')) as Entry[];
  const buffer = readFileSync(join(dir, `${file}.bin`));
  const all = new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4);
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const e of entries) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    out[e.name] = { shape: e.shape, data: all.slice(e.offset, e.offset + size) };
  }
  return out;
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'state.json')) && existsSync(join(dir, 'params.bin'));
}

/** Puts a checkpoint's parameters into freshly initialised variables of the same model. */
export function loadParams(dir: string, params: Params): void {
  const saved = loadTensors(dir, 'params');
  for (const [name, p] of Object.entries(params)) {
    p.assign(tf.tensor(saved[name].data, saved[name].shape));
  }
}

/**
 * A finished run's folder read back: its summary (with the model's shape), its parameters in
 * fresh variables, and the step and tokens its state records.
 */
export function readRun<S extends { model: ModelConfig }>(
  dir: string,
): { summary: S; params: Params; step: number; tokens: number } {
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as S;
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as {
    step: number;
    tokens: number;
  };
  const params = initParams(summary.model);
  loadParams(dir, params);
  return { summary, params, step: state.step, tokens: state.tokens };
}
