import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConceptDef } from 'training/concepts/labeller';
import { exportOnnx } from 'training/export/onnx-export';
import { CardConcept } from 'training/export/model-card';
import { exemplars, TrainingIndex } from 'training/export/training-index';
import { ModelConfig, Params } from 'training/model/model';
import { tf } from 'training/model/tf';
import { Tokenizer } from 'src/model-package/tokenizer';
import { PackageManifest, REQUIRED_FILES, sha256File } from 'src/model-package/model-package';
import { encodeSignatures } from 'src/model-package/signatures';

export interface PackageInput {
  dir: string;
  name: string;
  version: string;
  params: Params;
  model: ModelConfig;
  tokenizer: Tokenizer;
  concepts: readonly ConceptDef[];
  training: Record<string, unknown>;
  corpus: { sources: Record<string, unknown>[]; canaries: Record<string, unknown>[] };
  evaluation: Record<string, unknown>;
  /** Set for runs trained with the shared-direction penalty (see PackageManifest.steering). */
  steering?: 'concept-specific';
  index: TrainingIndex;
  modelCard: (manifest: Omit<PackageManifest, 'files'>, concepts: CardConcept[]) => string;
}

/**
 * Writes `model-store/<name>/<version>/`: the ONNX graph, the tokenizer, the concept dictionary
 * (unknown concepts described by the tokens they raise most), each concept's effect on every
 * vocabulary logit (G = E_concept · E_tokᵀ), the model card, and a manifest with every file's
 * SHA-256.
 */
export function writeModelPackage(input: PackageInput): PackageManifest {
  const { dir, model, params, tokenizer } = input;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), exportOnnx(params, model));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.data));
  const effects = tf.tidy(() => {
    const tokensT = tf.transpose(params.tokenEmbedding);
    return {
      known: tf.matMul(params.knownEmbedding, tokensT).arraySync() as number[][],
      unknown: tf.matMul(params.unknownEmbedding, tokensT).arraySync() as number[][],
    };
  });
  const flat = new Float32Array((model.knownConcepts + model.unknownConcepts) * model.vocabSize);
  [...effects.known, ...effects.unknown].forEach((row, i) => flat.set(row, i * model.vocabSize));
  writeFileSync(join(dir, 'effects.bin'), Buffer.from(flat.buffer));
  const topTokens = (row: number[]) =>
    row
      .map((value, id) => ({ id, value }))
      .sort((a, b) => b.value - a.value)
      .slice(0, 10)
      .map((t) => tokenizer.tokenText(t.id));
  const unknownExemplars = exemplars(input.index, model.unknownConcepts);
  const concepts = {
    known: input.concepts.map((c, i) => ({
      id: c.id,
      key: c.key,
      name: c.name,
      group: c.group,
      description: c.description,
      topTokens: topTokens(effects.known[i]),
    })),
    unknown: effects.unknown.map((row, id) => ({
      id,
      topTokens: topTokens(row),
      exemplarChunks: unknownExemplars[id],
    })),
  };
  writeFileSync(
    join(dir, 'training-index.jsonl'),
    input.index.chunks.map((c) => JSON.stringify(c)).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'training-signatures.bin'), encodeSignatures(input.index.segments));
  writeFileSync(join(dir, 'source-concepts.json'), JSON.stringify(input.index.sourceByConcept));
  writeFileSync(join(dir, 'concepts.json'), JSON.stringify(concepts, null, 1));
  const body: Omit<PackageManifest, 'files'> = {
    name: input.name,
    version: input.version,
    format: 1,
    shapes: {
      vocabSize: model.vocabSize,
      contextLength: model.contextLength,
      dModel: model.dModel,
      knownConcepts: model.knownConcepts,
      unknownConcepts: model.unknownConcepts,
      knownTopK: model.knownTopK,
      unknownTopK: model.unknownTopK,
    },
    effects: { knownOffset: 0, unknownOffset: model.knownConcepts * model.vocabSize * 4 },
    training: input.training,
    sources: input.corpus.sources,
    canaries: input.corpus.canaries,
    evaluation: input.evaluation,
    ...(input.steering ? { steering: input.steering } : {}),
  };
  writeFileSync(join(dir, 'MODEL_CARD.md'), input.modelCard(body, concepts.known));
  const files = Object.fromEntries(REQUIRED_FILES.map((f) => [f, sha256File(join(dir, f))]));
  const manifest: PackageManifest = { ...body, files };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
