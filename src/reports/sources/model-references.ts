import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppConfig } from 'src/config/app-config';
import { ModelIdentity } from 'src/evidence-format/attribution';
import { PackageManifest } from 'src/model-package/model-package';
import { ConceptEntry } from 'src/reports/explanation/explanation.types';

/** The companion file of training chunk text beside a package (training/export/training-text.ts). */
export const TRAINING_TEXT_FILE = 'training-text.jsonl.gz';

/** What a report needs of the model a record names: its dictionary, base rates, card and text. */
export interface ModelReference {
  name: string;
  version: string;
  manifestSha256: string;
  /** Named concepts by key. */
  concepts: Record<string, ConceptEntry>;
  /** Each training source's share of the training chunks, 0..1: the base rate to compare to. */
  baseRates: Record<string, number>;
  /** The package's manifest.json and MODEL_CARD.md, exact bytes (for the evidence package). */
  manifestBytes: Buffer;
  cardBytes: Buffer;
  /**
   * A training chunk's text, checked against the SHA-256 the training index holds; null when the
   * package has no text companion or does not know the chunk.
   */
  chunkText(chunk: string): string | null;
}

export class ModelReferenceError extends Error {}

/**
 * The model packages records name, read from MODEL_STORE_DIR once per version and checked (every
 * file against its manifest, and the manifest against the hash the record states). A report of
 * a record made by a package that is no longer in the store, or that was replaced, fails with
 * that said, rather than explaining it with another model's dictionary.
 */
@Injectable()
export class ModelReferences {
  private readonly cache = new Map<string, ModelReference>();

  constructor(private readonly config: AppConfig) {}

  get(model: Pick<ModelIdentity, 'name' | 'version' | 'manifestSha256'>): ModelReference {
    const key = `${model.name}/${model.version}`;
    let reference = this.cache.get(key);
    if (!reference) {
      reference = loadReference(join(this.config.MODEL_STORE_DIR, model.name, model.version));
      this.cache.set(key, reference);
    }
    if (reference.manifestSha256 !== model.manifestSha256) {
      throw new ModelReferenceError(
        `model ${key} in the store has manifest ${reference.manifestSha256.slice(0, 12)}…, the record names ${model.manifestSha256.slice(0, 12)}…: the package the record was made with is not in MODEL_STORE_DIR`,
      );
    }
    return reference;
  }
}

/** The package files a report reads; each is checked against the manifest before it is used. */
const READ_FILES = ['concepts.json', 'training-index.jsonl', 'MODEL_CARD.md'] as const;

/**
 * Reads what a report needs of a package, and only that (not the network or the effect
 * matrices, which only generation needs): the manifest, whose SHA-256 is what records name, and
 * the dictionary, training index and card, each checked against the manifest.
 */
function loadReference(dir: string): ModelReference {
  const read = (file: string): Buffer => {
    const path = join(dir, file);
    if (!existsSync(path))
      throw new ModelReferenceError(`model package ${dir}: ${file} is missing`);
    return readFileSync(path);
  };
  const manifestBytes = read('manifest.json');
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as PackageManifest;
  } catch (error) {
    throw new ModelReferenceError(
      `model package ${dir}: manifest.json is not JSON (${(error as Error).message})`,
    );
  }
  const files = new Map<string, Buffer>();
  for (const file of READ_FILES) {
    const bytes = read(file);
    const expected = manifest.files?.[file];
    if (sha256(bytes) !== expected) {
      throw new ModelReferenceError(
        `model package ${dir}: ${file} does not match its SHA-256 in manifest.json`,
      );
    }
    files.set(file, bytes);
  }
  const text = (file: string) => (files.get(file) ?? Buffer.alloc(0)).toString('utf8');
  const dictionary = JSON.parse(text('concepts.json')) as {
    known: { key: string; name: string; group: string; description: string }[];
  };
  const concepts: Record<string, ConceptEntry> = {};
  for (const c of dictionary.known) {
    concepts[c.key] = { name: c.name, group: c.group, description: c.description };
  }
  const index = new Map<string, string>();
  const perSource = new Map<string, number>();
  for (const line of text('training-index.jsonl').split('\n')) {
    if (line.length === 0) continue;
    const row = JSON.parse(line) as { chunk: string; source: string; sha256: string };
    index.set(row.chunk, row.sha256);
    perSource.set(row.source, (perSource.get(row.source) ?? 0) + 1);
  }
  const baseRates = Object.fromEntries(
    [...perSource].sort(([a], [b]) => (a < b ? -1 : 1)).map(([s, n]) => [s, n / index.size]),
  );
  let texts: CompanionText | null | undefined;
  const companion = join(dir, TRAINING_TEXT_FILE);
  const chunkText = (chunk: string): string | null => {
    if (texts === undefined) texts = existsSync(companion) ? new CompanionText(companion) : null;
    const value = texts?.get(chunk);
    const expected = index.get(chunk);
    if (value === undefined || expected === undefined) return null;
    if (sha256(Buffer.from(value, 'utf8')) !== expected) {
      throw new ModelReferenceError(
        `${companion}: the text of ${chunk} does not match its SHA-256 in training-index.jsonl`,
      );
    }
    return value;
  };
  return {
    name: manifest.name,
    version: manifest.version,
    manifestSha256: sha256(manifestBytes),
    concepts,
    baseRates,
    manifestBytes,
    cardBytes: files.get('MODEL_CARD.md') ?? Buffer.alloc(0),
    chunkText,
  };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** How each line of the companion begins, as training/export/training-text.ts writes it. */
const CHUNK_PREFIX = Buffer.from('{"chunk":"');

/**
 * The companion file of training chunk text, decompressed and kept as its bytes (14 MB for the
 * 30,000 chunks of model 2.3.0, outside the JavaScript heap) with each line's span by chunk id; a
 * line is decoded and parsed only when a report quotes its chunk. Parsing every line into a map of
 * strings, as this did before, left 11 MB more on the heap after garbage collection (26 MB
 * against 15) and a larger resident peak while it parsed, in the API and in every worker.
 */
class CompanionText {
  private readonly bytes: Buffer;
  private readonly spans = new Map<string, { start: number; end: number }>();

  constructor(path: string) {
    this.bytes = gunzipSync(readFileSync(path));
    for (let start = 0; start < this.bytes.length;) {
      let end = this.bytes.indexOf(NEWLINE, start);
      if (end < 0) end = this.bytes.length;
      // A later line for the same chunk wins, as JSON.parse into a map did.
      if (end > start) this.spans.set(this.chunkOf(start, end), { start, end });
      start = end + 1;
    }
  }

  get(chunk: string): string | undefined {
    const span = this.spans.get(chunk);
    if (!span) return undefined;
    const line = JSON.parse(this.bytes.toString('utf8', span.start, span.end)) as {
      chunk: string;
      text: string;
    };
    return line.chunk === chunk ? line.text : undefined;
  }

  /**
   * The chunk id of the line at [start, end): the JSON string after `{"chunk":` read on its own,
   * or, for a line whose members come in another order, from the whole line parsed.
   */
  private chunkOf(start: number, end: number): string {
    const open = start + CHUNK_PREFIX.length;
    if (end > open && this.bytes.subarray(start, open).equals(CHUNK_PREFIX)) {
      for (let i = open; i < end; i += 1) {
        if (this.bytes[i] === BACKSLASH) i += 1;
        else if (this.bytes[i] === QUOTE) {
          return JSON.parse(this.bytes.toString('utf8', open - 1, i + 1)) as string;
        }
      }
    }
    return (JSON.parse(this.bytes.toString('utf8', start, end)) as { chunk: string }).chunk;
  }
}
