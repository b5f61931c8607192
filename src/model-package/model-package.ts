import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { SignatureTable } from 'src/model-package/signatures';

/**
 * The model package contract shared by the training pipeline (which writes it) and the runtime
 * (which loads it): `model-store/<name>/<version>/` with a manifest naming the SHA-256 of every
 * file. Loading checks every hash and the shapes the manifest declares, and refuses a package
 * with a missing or altered file, naming it.
 */
export const REQUIRED_FILES = [
  'model.onnx',
  'tokenizer.json',
  'concepts.json',
  'effects.bin',
  'training-index.jsonl',
  'training-signatures.bin',
  'source-concepts.json',
  'MODEL_CARD.md',
] as const;

export interface PackageShapes {
  vocabSize: number;
  contextLength: number;
  dModel: number;
  knownConcepts: number;
  unknownConcepts: number;
  knownTopK: number;
  unknownTopK: number;
}

export interface PackageManifest {
  name: string;
  version: string;
  format: 1;
  /** Relative path → SHA-256 (hex) of every other file in the package. */
  files: Record<string, string>;
  shapes: PackageShapes;
  /** effects.bin: G_known [n, V] then G_unknown [m, V], float32 little-endian. */
  effects: { knownOffset: number; unknownOffset: number };
  training: Record<string, unknown>;
  sources: Record<string, unknown>[];
  canaries: Record<string, unknown>[];
  evaluation: Record<string, unknown>;
  /**
   * 'concept-specific' (packages trained with the shared-direction objective, version 2 on):
   * steering acts on each named row's own part. Absent: on the whole row, as version 1 was built
   * and tested (its rows are 96% one shared direction, so their own parts are too small to steer).
   */
  steering?: 'concept-specific';
}

/** Where a training chunk came from: the provenance every training-data attribution names. */
export class ModelPackageError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`model package: ${file}: ${message}`);
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export interface ModelPackage {
  dir: string;
  manifest: PackageManifest;
  /** SHA-256 of manifest.json itself: one hash that pins every file. */
  manifestSha256: string;
  /**
   * Every listed file's bytes, read once and checked against the manifest: a loader uses these,
   * never the path again, so a file swapped after the check is never the one that runs.
   */
  contents: ReadonlyMap<string, Buffer>;
  /** training-signatures.bin, read in place (checked against the index and the shapes). */
  signatures: SignatureTable;
}

/** Reads and checks a package folder; throws ModelPackageError naming the first bad file. */
export function readModelPackage(dir: string): ModelPackage {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) throw new ModelPackageError('manifest.json', 'missing');
  const manifestBytes = readFileSync(manifestPath);
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as PackageManifest;
  } catch (error) {
    throw new ModelPackageError('manifest.json', `not JSON (${(error as Error).message})`);
  }
  if (manifest.format !== 1) throw new ModelPackageError('manifest.json', 'unknown format');
  for (const file of REQUIRED_FILES) {
    if (!manifest.files?.[file]) throw new ModelPackageError(file, 'not listed in the manifest');
  }
  const contents = new Map<string, Buffer>();
  for (const [file, expected] of Object.entries(manifest.files)) {
    const path = normalize(join(dir, file));
    if (!path.startsWith(normalize(dir) + sep)) {
      throw new ModelPackageError(file, 'points outside the package');
    }
    if (!existsSync(path)) throw new ModelPackageError(file, 'missing');
    const bytes = readFileSync(path);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) {
      throw new ModelPackageError(file, `SHA-256 is ${actual}, the manifest says ${expected}`);
    }
    contents.set(file, bytes);
  }
  const text = (file: string) => (contents.get(file) ?? Buffer.alloc(0)).toString('utf8');
  const s = manifest.shapes;
  for (const [key, value] of Object.entries(s ?? {})) {
    if (!Number.isInteger(value) || value < 1) {
      throw new ModelPackageError('manifest.json', `shapes.${key} must be a positive integer`);
    }
  }
  const effectsBytes = contents.get('effects.bin')?.byteLength ?? 0;
  const expectedBytes = (s.knownConcepts + s.unknownConcepts) * s.vocabSize * 4;
  if (effectsBytes !== expectedBytes) {
    throw new ModelPackageError('effects.bin', `${effectsBytes} bytes, expected ${expectedBytes}`);
  }
  const rowBytes = s.vocabSize * 4;
  if (
    manifest.effects?.knownOffset !== 0 ||
    manifest.effects?.unknownOffset !== s.knownConcepts * rowBytes
  ) {
    throw new ModelPackageError(
      'manifest.json',
      `effects offsets must be 0 and ${s.knownConcepts * rowBytes} (known rows, then unknown rows)`,
    );
  }
  const chunkLines = text('training-index.jsonl')
    .split('\n')
    .filter((l) => l.length > 0).length;
  let signatures: SignatureTable;
  try {
    signatures = new SignatureTable(contents.get('training-signatures.bin') ?? Buffer.alloc(0));
  } catch (error) {
    throw new ModelPackageError('training-signatures.bin', (error as Error).message);
  }
  for (let i = 0; i < signatures.count; i++) {
    const chunk = signatures.chunk(i);
    if (chunk >= chunkLines) {
      throw new ModelPackageError(
        'training-signatures.bin',
        `a segment names chunk ${chunk}; training-index.jsonl has ${chunkLines}`,
      );
    }
    let outside = false;
    signatures.forEachConcept(i, (known, id) => {
      outside ||= id >= (known ? s.knownConcepts : s.unknownConcepts);
    });
    if (outside) {
      throw new ModelPackageError('training-signatures.bin', 'a concept id is outside the model');
    }
  }
  const concepts = JSON.parse(text('concepts.json')) as {
    known: { id?: unknown }[];
    unknown: { id?: unknown }[];
  };
  if (concepts.known.length !== s.knownConcepts || concepts.unknown.length !== s.unknownConcepts) {
    throw new ModelPackageError('concepts.json', 'concept counts differ from the manifest shapes');
  }
  // A concept's id is its row in the model's heads: the dictionary must list them in that order.
  if (concepts.known.some((c, i) => c.id !== i) || concepts.unknown.some((c, i) => c.id !== i)) {
    throw new ModelPackageError('concepts.json', 'concept ids must equal their positions');
  }
  const tokenizer = JSON.parse(text('tokenizer.json')) as {
    vocab: unknown[];
  };
  if (tokenizer.vocab.length !== s.vocabSize) {
    throw new ModelPackageError('tokenizer.json', 'vocabulary size differs from the manifest');
  }
  return {
    dir,
    manifest,
    manifestSha256: createHash('sha256').update(manifestBytes).digest('hex'),
    contents,
    signatures,
  };
}
