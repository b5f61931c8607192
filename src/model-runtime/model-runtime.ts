import { join } from 'node:path';
import { FieldProblem, ValidationFailedError } from 'src/common/domain-error';
import { readModelPackage } from 'src/model-package/model-package';
import {
  conceptAttribution,
  addContextEffects,
  logitRow,
  logSumExp,
  targetLogProbs,
  trainingDataAttribution,
} from 'src/model-runtime/attributions';
import {
  ForwardOutputs,
  HeadSteering,
  noSteering,
  runForward,
  runLogits,
} from 'src/model-runtime/forward';
import { AppliedSteering, DecodingSettings, ModelIdentity } from 'src/evidence-format/attribution';
import { hasContent, wordEffects, wordRanges } from 'src/evidence-format/prompt-words';
import {
  GeneratedChunk,
  GenerationOptions,
  GenerationResult,
  SteeringRequest,
  TokenDecomposition,
} from 'src/model-runtime/generation.types';
import { LoadedModel, loadModel } from 'src/model-runtime/loaded-model';
import { pickToken, uniformAt } from 'src/model-runtime/sampling';
import { BOS, EOC, EOS, MASK, PAD, UNK } from 'src/model-package/tokenizer';

const MAX_PROMPT_CHARS = 4000;
/** Masked copies per leave-one-out run: bounds memory (each copy's logits are T × V floats). */
const MASKED_PER_RUN = 8;
const DEFAULTS = { maxTokens: 32, temperature: 0.8, topP: 0.95, seed: 0, chunkTokens: 16 };
/** Tokens that are never sampled: padding, document start, unknown, mask. */
const NEVER_SAMPLED = [PAD, BOS, UNK, MASK];
/** Tokens that end a generation: end of sequence, end of chunk. */
const STOPS = new Set([EOS, EOC]);

interface Settings {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  chunkTokens: number;
  attributions: boolean;
  stopAtEnd: boolean;
  steering: AppliedSteering[];
}

/**
 * The model in process: loads one package (every file checked against its manifest), generates
 * with seeded decoding and head-level steering, and explains every generated token three ways.
 */
export class ModelRuntime {
  private constructor(readonly model: LoadedModel) {}

  /** Opens `<storeDir>/<name>/<version>`; a missing or altered file fails with its name. */
  static async open(storeDir: string, name: string, version: string): Promise<ModelRuntime> {
    const pkg = readModelPackage(join(storeDir, name, version));
    return new ModelRuntime(await loadModel(pkg));
  }

  get identity(): ModelIdentity {
    const { manifest, manifestSha256 } = this.model.pkg;
    return {
      name: manifest.name,
      version: manifest.version,
      manifestSha256,
      files: { ...manifest.files },
    };
  }

  /** Frees the onnxruntime session; the runtime cannot run afterwards. */
  async close(): Promise<void> {
    await this.model.session.release();
  }

  /** The named concepts' keys and groups: what policies and clients may refer to. */
  vocabulary(): { conceptKeys: Set<string>; groups: Set<string> } {
    return {
      conceptKeys: new Set(this.model.known.map((c) => c.key)),
      groups: new Set(this.model.known.map((c) => c.group)),
    };
  }

  async generate(prompt: string, options: GenerationOptions = {}): Promise<GenerationResult> {
    const { promptIds, settings } = this.validate(prompt, options);
    const model = this.model;
    const V = model.shapes.vocabSize;
    const head = this.headSteering(settings.steering);
    const penalty = this.penaltyVector(settings.steering);
    const sequence = [BOS, ...promptIds];
    const generated: number[] = [];
    let stoppedBy: DecodingSettings['stoppedBy'] = 'max_tokens';
    for (let step = 0; step < settings.maxTokens; step++) {
      if (sequence.length > model.shapes.contextLength) {
        stoppedBy = 'context_length';
        break;
      }
      const logits = await runLogits(model, sequence, head);
      const last = (sequence.length - 1) * V;
      const row = logits.slice(last, last + V);
      if (penalty) for (let v = 0; v < V; v++) row[v] -= penalty[v];
      for (const id of NEVER_SAMPLED) row[id] = -Infinity;
      if (!settings.stopAtEnd) for (const id of STOPS) row[id] = -Infinity;
      const next = pickToken(
        row,
        settings.temperature,
        settings.topP,
        uniformAt(settings.seed, step),
      );
      if (STOPS.has(next)) {
        stoppedBy = 'end_of_sequence';
        break;
      }
      sequence.push(next);
      generated.push(next);
    }
    const decoding: DecodingSettings = {
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      topP: settings.topP,
      seed: settings.seed,
      stoppedBy,
    };
    return this.attribute(prompt, promptIds, generated, settings, decoding);
  }

  /**
   * Explains a given continuation as if the model had written it (teacher-forced): the same
   * one-pass attributions as `generate`, for text a reviewer asks about ("would the model say
   * this, and why?"). `decoding.stoppedBy` is `given_text`.
   */
  async explain(
    prompt: string,
    output: string,
    options: Pick<GenerationOptions, 'steering' | 'chunkTokens'> = {},
  ): Promise<GenerationResult> {
    const { promptIds, settings } = this.validate(prompt, options);
    if (typeof output === 'string' && output.length > MAX_PROMPT_CHARS) {
      throw new ValidationFailedError([
        { field: 'output', problems: [`must be at most ${MAX_PROMPT_CHARS} characters`] },
      ]);
    }
    const generated = typeof output === 'string' ? this.model.tokenizer.encode(output) : [];
    // As much as generate could have written after this prompt.
    const room = this.model.shapes.contextLength - promptIds.length;
    if (generated.length === 0 || generated.length > room) {
      throw new ValidationFailedError([
        {
          field: 'output',
          problems: [
            generated.length === 0
              ? 'must be non-empty text'
              : `is ${generated.length} tokens; after this prompt the model has room for ${room}`,
          ],
        },
      ]);
    }
    const decoding: DecodingSettings = {
      maxTokens: generated.length,
      temperature: 0,
      topP: 1,
      seed: 0,
      stoppedBy: 'given_text',
    };
    return this.attribute(prompt, promptIds, generated, settings, decoding);
  }

  private async attribute(
    prompt: string,
    promptIds: number[],
    generated: number[],
    settings: Settings,
    decoding: DecodingSettings,
  ): Promise<GenerationResult> {
    const model = this.model;
    const head = this.headSteering(settings.steering);
    const penalty = this.penaltyVector(settings.steering);
    const sequence = [BOS, ...promptIds, ...generated];
    const promptTokens = promptIds.map((id) => model.tokenizer.tokenText(id));
    const base: GenerationResult = {
      model: this.identity,
      prompt,
      promptTokens,
      text: model.tokenizer.decode(generated),
      decoding,
      steering: settings.steering,
      tokens: [],
      chunks: [],
    };
    if (generated.length === 0 || !settings.attributions) return base;

    // One pass over the final text explains every generated token (the causal mask makes it what
    // the model saw at each step).
    const input = sequence.slice(0, -1);
    const targets = sequence.slice(1);
    const full = await runForward(model, [input], [targets], head);
    const first = promptIds.length; // position whose target is the first generated token
    const positions = generated.map((_, i) => first + i);
    const penalties = generated.map((id) => penalty?.[id] ?? 0);
    base.tokens = generated.map((id, i) =>
      this.decompose(full, positions[i], id, i, penalties[i], penalty),
    );
    const ranges = chunkRanges(generated, settings.chunkTokens, (id) =>
      model.tokenizer.tokenText(id),
    );
    const chunkPositions = ranges.map(([start, end]) => positions.slice(start, end));
    const chunkTargets = ranges.map(([start, end]) => generated.slice(start, end));
    const effects = ranges.map(() =>
      promptTokens.map((token, position) => ({ position, token, logit: 0, logProb: 0 })),
    );
    const baseScores = ranges.map((_, c) => ({
      logits: chunkPositions[c].map((t) => full.targetLogit[t]),
      logProbs: targetLogProbs(model, full, 0, chunkPositions[c], chunkTargets[c], penalty),
    }));
    // Leave-one-out over the prompt, a few masked copies per run so memory stays bounded.
    for (let first = 0; first < promptIds.length; first += MASKED_PER_RUN) {
      const count = Math.min(MASKED_PER_RUN, promptIds.length - first);
      const masked = await this.maskedRuns(input, targets, first, count, head);
      ranges.forEach((_, c) =>
        addContextEffects(
          model,
          effects[c],
          baseScores[c],
          masked,
          first,
          chunkPositions[c],
          chunkTargets[c],
          penalty,
        ),
      );
    }
    const words = wordRanges(promptTokens);
    base.chunks = ranges.map(([start, end], index): GeneratedChunk => {
      const at = chunkPositions[index];
      const text = model.tokenizer.decode(generated.slice(start, end));
      return {
        index,
        text,
        start,
        end,
        ...(hasContent(text) ? {} : { noContent: true as const }),
        concepts: conceptAttribution(
          model,
          full,
          at,
          penalties.slice(start, end),
          settings.steering,
        ),
        context: {
          method: 'leave-one-out-mask',
          methodVersion: 2,
          words: wordEffects(words, effects[index]).map((w) => ({
            ...w,
            text: promptTokens.slice(w.start, w.end).join('').trim(),
          })),
          effects: effects[index],
        },
        trainingData: trainingDataAttribution(model, full, at),
      };
    });
    return base;
  }

  /** Masked copies of the input for prompt tokens first … first + count − 1, in one run. */
  async maskedRuns(
    input: readonly number[],
    targets: readonly number[],
    first: number,
    count: number,
    head: HeadSteering,
  ): Promise<ForwardOutputs> {
    const rows = Array.from({ length: count }, (_, r) => {
      const row = [...input];
      row[1 + first + r] = MASK; // position 0 is [BOS]
      return row;
    });
    return runForward(
      this.model,
      rows,
      rows.map(() => targets),
      head,
    );
  }

  private decompose(
    out: ForwardOutputs,
    t: number,
    id: number,
    index: number,
    penaltyAtTarget: number,
    penalty: Float32Array | undefined,
  ): TokenDecomposition {
    const { knownConcepts: n, unknownConcepts: m, vocabSize: V } = this.model.shapes;
    let knownTotal = 0;
    let unknownTotal = 0;
    for (let c = 0; c < n; c++) knownTotal += out.knownContrib[t * n + c];
    for (let c = 0; c < m; c++) unknownTotal += out.unknownContrib[t * m + c];
    const logit = out.targetLogit[t] - penaltyAtTarget;
    return {
      index,
      token: this.model.tokenizer.tokenText(id),
      id,
      logit,
      logProb: logit - logSumExp(logitRow(out, 0, t, V), penalty),
      knownTotal,
      unknownTotal,
      epsilon: out.epsContrib[t],
      steeringPenalty: -penaltyAtTarget,
    };
  }

  /** keep = 0 and value = the forced weight for every steered concept; keep = 1 elsewhere. */
  headSteering(steering: readonly AppliedSteering[]): HeadSteering {
    const head = noSteering(this.model);
    for (const s of steering) {
      head.knownKeep[s.conceptId] = 0;
      head.knownValue[s.conceptId] = s.weight;
    }
    return head;
  }

  /**
   * The steering term, subtracted from every position's logits. Steering acts on a concept's own
   * part of its effect row (the row less the part all named rows share, `knownShared`):
   * suppression adds s · ReLU(own part), Steerling's logit mask for unlearning, now blind to the
   * ". the and" every row shares; amplification adds weight · shared part, so that the forced
   * weight moves the logits by weight · own part only.
   */
  penaltyVector(steering: readonly AppliedSteering[]): Float32Array | undefined {
    const active = steering.filter((s) => s.mode === 'amplify' || s.penalty > 0);
    if (active.length === 0) return undefined;
    const V = this.model.shapes.vocabSize;
    const vector = new Float32Array(V);
    for (const s of active) {
      const effect = this.model.knownEffects[s.conceptId];
      const shared = this.model.knownShared[s.conceptId];
      if (s.mode === 'amplify') {
        for (let v = 0; v < V; v++) vector[v] += s.weight * shared[v];
      } else {
        for (let v = 0; v < V; v++) vector[v] += s.penalty * Math.max(0, effect[v] - shared[v]);
      }
    }
    return vector;
  }

  private validate(
    prompt: unknown,
    given: GenerationOptions | null | undefined,
  ): { promptIds: number[]; settings: Settings } {
    const options: GenerationOptions = given ?? {};
    const problems: FieldProblem[] = [];
    const fail = (field: string, problem: string) => problems.push({ field, problems: [problem] });
    const T = this.model.shapes.contextLength;
    let promptIds: number[] = [];
    if (typeof prompt !== 'string' || prompt.trim().length === 0) {
      fail('prompt', 'must be a non-empty string');
    } else if (prompt.length > MAX_PROMPT_CHARS) {
      fail('prompt', `must be at most ${MAX_PROMPT_CHARS} characters, got ${prompt.length}`);
    } else {
      promptIds = this.model.tokenizer.encode(prompt);
      if (promptIds.length === 0) fail('prompt', 'has no tokens');
      if (promptIds.length >= T) {
        fail(
          'prompt',
          `is ${promptIds.length} tokens; the model reads at most ${T - 1} before it writes`,
        );
      }
    }
    const number = (
      field: keyof typeof DEFAULTS,
      check: (x: number) => boolean,
      rule: string,
      integer: boolean,
    ): number => {
      // Absent means the default; null is a value, and not a number.
      const value = options[field] === undefined ? DEFAULTS[field] : options[field];
      if (
        typeof value !== 'number' ||
        !Number.isFinite(value) ||
        (integer && !Number.isInteger(value)) ||
        !check(value)
      ) {
        fail(field, `must be ${rule}, got ${JSON.stringify(value)}`);
        return DEFAULTS[field];
      }
      return value;
    };
    const maxTokens = number(
      'maxTokens',
      (x) => x >= 1 && x <= T - 1,
      `a whole number from 1 to ${T - 1}`,
      true,
    );
    const temperature = number(
      'temperature',
      (x) => x >= 0 && x <= 5,
      'a number from 0 (greedy) to 5',
      false,
    );
    const topP = number('topP', (x) => x > 0 && x <= 1, 'a number above 0 and at most 1', false);
    const seed = number(
      'seed',
      (x) => x >= 0 && x <= 0xffffffff,
      'a whole number from 0 to 4294967295',
      true,
    );
    const chunkTokens = number(
      'chunkTokens',
      (x) => x >= 1 && x <= T,
      `a whole number from 1 to ${T}`,
      true,
    );
    for (const flag of ['attributions', 'stopAtEnd'] as const) {
      if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
        fail(flag, 'must be true or false');
      }
    }
    const steering = this.validateSteering(options.steering, fail);
    if (problems.length > 0) throw new ValidationFailedError(problems);
    return {
      promptIds,
      settings: {
        maxTokens,
        temperature,
        topP,
        seed,
        chunkTokens,
        attributions: options.attributions ?? true,
        stopAtEnd: options.stopAtEnd ?? true,
        steering,
      },
    };
  }

  private validateSteering(
    value: unknown,
    fail: (field: string, problem: string) => void,
  ): AppliedSteering[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      fail('steering', 'must be a list of { concept, mode }');
      return [];
    }
    const seen = new Set<number>();
    const applied: AppliedSteering[] = [];
    (value as unknown[]).forEach((raw, i) => {
      const field = `steering.${i}`;
      const s = raw as Partial<SteeringRequest> | null;
      if (typeof s !== 'object' || s === null) return fail(field, 'must be { concept, mode }');
      const conceptId = this.model.known.findIndex((c) => c.key === s.concept);
      if (conceptId < 0) {
        return fail(
          `${field}.concept`,
          `must be a known concept key such as health.medication, got ${JSON.stringify(s.concept)}`,
        );
      }
      if (seen.has(conceptId))
        return fail(`${field}.concept`, `${String(s.concept)} is steered twice`);
      seen.add(conceptId);
      if (s.mode !== 'suppress' && s.mode !== 'amplify') {
        return fail(`${field}.mode`, `must be suppress or amplify, got ${JSON.stringify(s.mode)}`);
      }
      if (s.mode === 'suppress' && s.weight !== undefined) {
        return fail(`${field}.weight`, 'applies to amplify only (suppression forces 0)');
      }
      const weight = s.mode === 'amplify' ? (s.weight ?? 1) : 0;
      const weightOk = typeof weight === 'number' && Number.isFinite(weight) && weight <= 10;
      if (!weightOk || (s.mode === 'amplify' && weight <= 0)) {
        return fail(
          `${field}.weight`,
          `must be a number above 0 and at most 10, got ${JSON.stringify(weight)}`,
        );
      }
      const penalty = s.mode === 'suppress' ? (s.penalty ?? 1) : 0;
      if (s.mode === 'amplify' && s.penalty !== undefined) {
        return fail(`${field}.penalty`, 'applies to suppress only');
      }
      if (
        typeof penalty !== 'number' ||
        !Number.isFinite(penalty) ||
        penalty < 0 ||
        penalty > 100
      ) {
        return fail(
          `${field}.penalty`,
          `must be a number from 0 to 100, got ${JSON.stringify(penalty)}`,
        );
      }
      applied.push({
        conceptId,
        concept: this.model.known[conceptId].key,
        mode: s.mode,
        weight,
        penalty,
        ...(this.model.pkg.manifest.steering === 'concept-specific'
          ? { acts: 'concept-specific' as const }
          : {}),
      });
    });
    return applied;
  }
}

/** Cuts generated tokens into chunks: at a sentence end or paragraph break, or every N tokens. */
export function chunkRanges(
  ids: readonly number[],
  maxTokens: number,
  text: (id: number) => string,
): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  ids.forEach((id, i) => {
    const piece = text(id);
    // "4.37" and "U.S." do not end a sentence: a stop counts when a space or the end follows.
    const next = i + 1 < ids.length ? text(ids[i + 1]) : ' ';
    const sentenceEnd = (/[.!?]$/.test(piece) && /^\s/.test(next)) || piece.includes('\n');
    if (sentenceEnd || i + 1 - start >= maxTokens || i === ids.length - 1) {
      ranges.push([start, i + 1]);
      start = i + 1;
    }
  });
  return ranges;
}
