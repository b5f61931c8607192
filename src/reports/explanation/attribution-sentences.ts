/**
 * The sentences on what the attribution says: how much named concepts explain, the principal
 * named concepts, the prompt words relied on and the training data the concepts resemble.
 */
import {
  AppliedSteering,
  citableMatches,
  DETECTED_AT,
  detectionFigure,
  TrainingChunkMatch,
  undetected,
} from 'src/evidence-format/attribution';
import { RecordBody } from 'src/evidence-format/record-body';
import {
  ConceptAggregate,
  WordAggregate,
  aggregateContextWords,
  aggregateNamedConcepts,
  aggregateSources,
  compare,
  shareSummary,
  steeringOrigin,
} from './aggregate';
import {
  ConceptEntry,
  ContextWord,
  ExplanationSentence,
  PrincipalReason,
  RecordText,
  Sufficiency,
} from './explanation.types';
import { likelihoodFactor, listing, nats, percent, quoted, score, times } from './format';
import {
  EXTRA_CONTEXT_WORD_RATIO,
  LIMITED_NAMED_SHARE,
  MAX_CONTEXT_WORDS,
  MAX_PRINCIPAL_REASONS,
  MAX_SOURCES,
  MAX_TRAINING_CHUNKS,
  MEANINGFUL_NAMED_SHARE,
  MIN_CONTEXT_WORDS,
  MIN_REASON_SHARE,
  MIN_SOURCE_SHARE,
  NOTABLE_NEGATIVE_RATIO,
  SHARE_TOLERANCE,
  STRONG_TRAINING_MATCH,
} from './thresholds';

/** The sufficiency of a named share (see thresholds.ts). */
export function sufficiencyOf(namedShare: number): Sufficiency {
  if (namedShare + SHARE_TOLERANCE >= MEANINGFUL_NAMED_SHARE) return 'meaningful';
  if (namedShare + SHARE_TOLERANCE >= LIMITED_NAMED_SHARE) return 'limited';
  return 'insufficient';
}

/** How much named concepts, unnamed concepts and the residual each account for. */
export function unexplainedSentences(
  body: RecordBody,
  sufficiency: Sufficiency,
): ExplanationSentence[] {
  const s = shareSummary(body);
  const fields = ['knownShare', 'unknownShare', 'epsilonShare'];
  if (s.steering > 0) fields.push('steeringShare');
  const cites = body.chunks.flatMap((_, c) => [
    ...fields.map((f) => `chunks[${c}].concepts.${f}`),
    `chunks[${c}].start`,
    `chunks[${c}].end`,
  ]);
  const parts = [
    `unnamed concepts (${percent(s.unnamed)})`,
    `an unexplained residual (${percent(s.residual)})`,
    ...(s.steering > 0 ? [`steering (${percent(s.steering)})`] : []),
  ];
  const rest = listing(parts);
  const chunks =
    body.chunks.length === 1
      ? 'its one chunk'
      : `its ${body.chunks.length} chunks, weighted by their length in tokens`;
  let text: string;
  switch (sufficiency) {
    case 'meaningful':
      text =
        `Named concepts account for ${percent(s.named)} of what produced this text; the rest comes from ${rest}. ` +
        `This is enough for a meaningful explanation in terms of named concepts, though ${percent(1 - s.named)} is not explained by them.`;
      break;
    case 'limited':
      text =
        `Named concepts account for only ${percent(s.named)} of what produced this text; the rest comes from ${rest}. ` +
        `The named concepts therefore explain only part of how the text was produced, and the reasons below describe that part, not the whole.`;
      break;
    case 'insufficient':
      text =
        `Named concepts account for only ${percent(s.named)} of what produced this text; the rest comes from ${rest}. ` +
        `This is too little for a meaningful explanation in terms of named concepts, so no principal reasons are given.`;
      break;
  }
  if (body.chunks.length === 0) {
    text =
      'The record holds no attributed chunks, so nothing of how this text was produced can be explained.';
  }
  return [
    {
      topic: 'unexplained',
      cites: body.chunks.length ? cites : ['chunks'],
      text: body.chunks.length ? `${text} (Shares are averaged over ${chunks}.)` : text,
    },
  ];
}

function steeringOf(agg: ConceptAggregate, steering: AppliedSteering[]): number {
  return steering.findIndex((s) => s.concept === agg.key || s.conceptId === agg.id);
}

function nameOf(agg: ConceptAggregate, concepts: Record<string, ConceptEntry>): string {
  return concepts[agg.key]?.name ?? agg.recordName ?? agg.key;
}

/**
 * The principal named concepts (or why there are none), the concepts that contributed without
 * being detected, and the concepts forced by steering. A principal reason is a concept the model
 * was left to choose, that carries enough of the output, and that its detector found in what the
 * model read (records before concept method version 3 do not say: they are read as before, and
 * the statement says that detection is not stated).
 */
export function conceptSentences(
  body: RecordBody,
  concepts: Record<string, ConceptEntry>,
  sufficiency: Sufficiency,
): { sentences: ExplanationSentence[]; principalReasons: PrincipalReason[] } {
  const all = aggregateNamedConcepts(body).filter((a) => a.share > 0);
  const free = all.filter((a) => steeringOf(a, body.steering) < 0);
  const { reasons, unseen } = chooseReasons(free, sufficiency);
  const principalReasons = reasons.map((a): PrincipalReason => ({
    concept: a.key,
    name: nameOf(a, concepts),
    share: a.share,
    ...(a.detection !== undefined ? { detection: a.detection } : {}),
    cites: [...a.cites, ...a.detectionCites],
  }));
  const named =
    reasons.length > 0 ? reasons : sufficiency === 'insufficient' ? free.slice(0, 2) : [];
  const forced = all.filter((a) => steeringOf(a, body.steering) >= 0);
  return {
    sentences: [
      reasonsSentence(body, concepts, sufficiency, principalReasons, free, unseen),
      ...undetectedSentences(concepts, unseen),
      ...unstatedSentences(body, named),
      ...forcedSentences(body, concepts, forced),
    ],
    principalReasons,
  };
}

/**
 * The reasons: the largest detected concepts of at least MIN_REASON_SHARE (none when the named
 * share is insufficient); and the undetected concepts as large as a reason given, so that none
 * is passed over in silence.
 */
function chooseReasons(
  free: ConceptAggregate[],
  sufficiency: Sufficiency,
): { reasons: ConceptAggregate[]; unseen: ConceptAggregate[] } {
  if (sufficiency === 'insufficient') return { reasons: [], unseen: [] };
  const candidates = free.filter((a) => a.share >= MIN_REASON_SHARE);
  const reasons = candidates.filter((a) => !undetected(a)).slice(0, MAX_PRINCIPAL_REASONS);
  const full = reasons.length === MAX_PRINCIPAL_REASONS;
  const smallest = full ? reasons[reasons.length - 1].share : 0;
  const unseen = candidates
    .filter((a) => undetected(a) && a.share >= smallest)
    .slice(0, MAX_PRINCIPAL_REASONS);
  return { reasons, unseen };
}

/** "22%, detected at 0.90" or "6.8%, not detected: its detector reached at most 0.30". */
function figuresOf(a: { share: number; detection?: number }): string {
  if (a.detection === undefined) return percent(a.share);
  return undetected(a)
    ? `${percent(a.share)}, not detected: its detector reached at most ${detectionFigure(a.detection)}`
    : `${percent(a.share)}, detected at ${detectionFigure(a.detection)}`;
}

function reasonsSentence(
  body: RecordBody,
  concepts: Record<string, ConceptEntry>,
  sufficiency: Sufficiency,
  reasons: PrincipalReason[],
  free: ConceptAggregate[],
  unseen: ConceptAggregate[],
): ExplanationSentence {
  const topic = 'concepts';
  if (reasons.length > 0) {
    const items = reasons.map((r) => {
      const description = concepts[r.concept]?.description.trim();
      if (!description) return `${quoted(r.name)} (${figuresOf(r)})`;
      const described = sentenceCase(description.replace(/\.$/, ''));
      // With a detection the figures end in a number: a semicolon keeps the description apart.
      const joint = r.detection === undefined ? ':' : ';';
      return `${quoted(r.name)} (${figuresOf(r)}${joint} ${described})`;
    });
    const scope = sufficiency === 'limited' ? ', within the part named concepts explain,' : '';
    const which = reasons.some((r) => r.detection !== undefined)
      ? 'named concepts detected in what the model read'
      : 'named concepts';
    return {
      topic,
      cites: reasons.flatMap((r) => r.cites),
      text: `The ${which} that contributed most${scope} and are given as the principal reasons for this text are ${listing(items)}.`,
    };
  }
  if (sufficiency === 'insufficient' && free.length > 0) {
    const largest = free.slice(0, 2);
    const items = largest.map((a) => `${quoted(nameOf(a, concepts))} (${figuresOf(a)})`);
    return {
      topic,
      cites: largest.flatMap((a) => [...a.cites, ...a.detectionCites]),
      text: `The largest named concepts were ${listing(items)}; they are too small a part of what produced the text to be given as reasons.`,
    };
  }
  if (unseen.length > 0) {
    return {
      topic,
      cites: unseen.flatMap((a) => [...a.cites, ...a.detectionCites]),
      text: `No named concept that accounts for ${percent(MIN_REASON_SHARE)} or more of what produced this text was detected in what the model read, so no principal reasons are given.`,
    };
  }
  if (free.length > 0) {
    return {
      topic,
      cites: free[0].cites,
      text: `No single named concept accounts for ${percent(MIN_REASON_SHARE)} or more of what produced this text, so no principal reasons are given.`,
    };
  }
  return {
    topic,
    cites: body.chunks.map((_, c) => `chunks[${c}].concepts.known`),
    text: 'No named concept that was left to the model contributed to this text.',
  };
}

/**
 * Concepts as large as a reason whose detectors did not find them in what the model read (the
 * prompt and the output before each token): they moved the output, but the model was unsure
 * they were there.
 */
function undetectedSentences(
  concepts: Record<string, ConceptEntry>,
  unseen: ConceptAggregate[],
): ExplanationSentence[] {
  if (unseen.length === 0) return [];
  const one = unseen.length === 1;
  const items = unseen.map(
    (a) =>
      `${quoted(nameOf(a, concepts))} (${percent(a.share)}; its detector reached at most ${detectionFigure(a.detection ?? 0)})`,
  );
  return [
    {
      topic: 'concepts',
      cites: unseen.flatMap((a) => [...a.cites, ...a.detectionCites]),
      text:
        `${listing(items)} also contributed, but the model did not detect ${one ? 'it' : 'them'} in what it read ` +
        `(the prompt and the output before each token; detected means a probability of ${detectionFigure(DETECTED_AT)} or more), ` +
        `so ${one ? 'it is not given as a reason' : 'they are not given as reasons'}.`,
    },
  ];
}

/** Concepts named from a record that does not state their detection: said, not left implied. */
function unstatedSentences(body: RecordBody, named: ConceptAggregate[]): ExplanationSentence[] {
  if (!named.some((a) => a.detection === undefined)) return [];
  const versions = body.chunks.flatMap((c, i) =>
    c.concepts.methodVersion < 3 ? [`chunks[${i}].concepts.methodVersion`] : [],
  );
  return [
    {
      topic: 'concepts',
      cites: versions.length > 0 ? versions : body.chunks.map((_, c) => `chunks[${c}].concepts`),
      text:
        'This record does not state whether these concepts were detected in what the model read ' +
        '(it was made before concept method version 3), so they are given by their share alone.',
    },
  ];
}

/** A steered concept is named only with who forced it: it is not a reason drawn from the input. */
function forcedSentences(
  body: RecordBody,
  concepts: Record<string, ConceptEntry>,
  forced: ConceptAggregate[],
): ExplanationSentence[] {
  return forced
    .filter((a) => a.share >= MIN_REASON_SHARE)
    .map((a) => {
      const i = steeringOf(a, body.steering);
      const s = body.steering[i];
      const origin = steeringOrigin(body, i);
      const how = `${s.mode === 'amplify' ? 'amplified' : 'suppressed'} to weight ${s.weight}`;
      return {
        topic: 'concepts',
        cites: [...a.cites, ...origin.cites],
        text: `${quoted(nameOf(a, concepts))} also accounts for ${percent(a.share)}, but it was forced by the application's ${origin.by} (${how} at every position), so it is not given as a reason drawn from the input.`,
      };
    });
}

/** The prompt words the output relied on, or why they cannot be shown. */
export function contextSentences(
  body: RecordBody,
  text: RecordText | null,
  contextWords: ContextWord[][] | null,
): ExplanationSentence[] {
  if (text === null) {
    return [
      {
        topic: 'context',
        cites: ['prompt.commitment', 'output.commitment'],
        text:
          'The prompt words the model relied on cannot be shown because the text of this record was erased; ' +
          "the record's commitments to the prompt and the output remain, so a copy of either text can still be checked against it.",
      },
    ];
  }
  if (contextWords === null) {
    return [
      {
        topic: 'context',
        cites: [],
        text: 'Which prompt words the model relied on is not available for this record.',
      },
    ];
  }
  return wordSentences(body, text.prompt, aggregateContextWords(contextWords));
}

/** The words with the largest positive effects, and the strongest negative one if notable. */
function wordSentences(
  body: RecordBody,
  prompt: string,
  words: WordAggregate[],
): ExplanationSentence[] {
  const positive = words.filter((w) => w.effect > 0);
  if (positive.length === 0) {
    return [
      {
        topic: 'context',
        cites: body.chunks.map((_, c) => `chunks[${c}].context.effects`),
        text: 'No prompt word made this text more likely: masking any single word did not lower its probability.',
      },
    ];
  }
  const top = positive[0].effect;
  const shown = positive
    .slice(0, MAX_CONTEXT_WORDS)
    .filter((w, i) => i < MIN_CONTEXT_WORDS || w.effect >= EXTRA_CONTEXT_WORD_RATIO * top);
  const citesOf = (w: WordAggregate) => [
    `text.prompt[${w.start}:${w.end}]`,
    ...w.chunks.map((c) => `chunks[${c}].context.effects`),
  ];
  const sentences: ExplanationSentence[] = [
    {
      topic: 'context',
      cites: [...new Set(shown.flatMap(citesOf))],
      text:
        `The prompt words the model relied on most were ${listing(
          shown.map(
            (w, i) =>
              `${quoted(prompt.slice(w.start, w.end))} (${nats(w.effect)}${i === 0 ? `: with it hidden the text would be ${likelihoodFactor(w.effect)} less likely` : `, ${likelihoodFactor(w.effect)}`})`,
          ),
        )}. ` +
        'Each figure is how much the log-probability of the whole text (in nats) drops when the model reads the prompt with that word masked.',
    },
  ];
  const negative = words[words.length - 1];
  if (negative.effect < 0 && -negative.effect >= NOTABLE_NEGATIVE_RATIO * top) {
    sentences.push({
      topic: 'context',
      cites: citesOf(negative),
      text: `The word ${quoted(prompt.slice(negative.start, negative.end))} pushed the other way (${nats(negative.effect)}: with it hidden the text would be ${likelihoodFactor(negative.effect)} more likely).`,
    });
  }
  return sentences;
}

/** The training sources and chunks the concepts at work resemble, with the method's limits. */
export function trainingSentences(
  body: RecordBody,
  baseRates: Record<string, number>,
): ExplanationSentence[] {
  if (body.chunks.length === 0) return [];
  const method = body.chunks.map((_, c) => `chunks[${c}].trainingData.interpretation`);
  const sources = aggregateSources(body)
    .filter((s) => s.share >= MIN_SOURCE_SHARE)
    .slice(0, MAX_SOURCES);
  const sentences: ExplanationSentence[] = [];
  const phrases = sources.map((s, i) => {
    const base = baseRates[s.source];
    const against =
      base === undefined || base <= 0
        ? 'a source whose share of the training data is not known to this report'
        : `against ${percent(base)}${i === 0 ? ' of the training data' : ''} (${times(s.share / base)})`;
    return `${i === 0 ? 'drew on ' : ''}${quoted(s.source)} for ${percent(s.share)}${i === 0 ? ' of its concept use' : ''}, ${against}`;
  });
  sentences.push({
    topic: 'training-data',
    cites: [...method, ...sources.flatMap((s) => s.cites)],
    text:
      sources.length === 0
        ? 'No training source accounts for a notable share of the concepts at work in this text.'
        : `Compared by similarity in the model's concept space, which shows what training data the concepts at work resemble and not what caused the text, this text ${phrases.join('; on ')}.`,
  });
  sentences.push(trainingChunkSentence(body));
  return sentences;
}

/**
 * A match is evidence when the record reads it against a base rate (method version 3) and does
 * not flag it weak; in records made before, when its score reaches STRONG_TRAINING_MATCH.
 */
function isStrong(m: TrainingChunkMatch): boolean {
  return m.weak === undefined ? m.score >= STRONG_TRAINING_MATCH : !m.weak;
}

/** Only citable matches (citableMatches) are the text's, as evidence or as its closest passage. */
function trainingChunkSentence(body: RecordBody): ExplanationSentence {
  const matches = body.chunks
    .flatMap((chunk, c) =>
      citableMatches(chunk).map((m, j) => ({
        m,
        baseline: chunk.trainingData.baseline,
        chunkCite: `chunks[${c}].trainingData`,
        cite: `chunks[${c}].trainingData.chunks[${j}]`,
      })),
    )
    .sort((a, b) => b.m.score - a.m.score || compare(a.m.chunk, b.m.chunk));
  if (matches.length === 0) {
    const onlyWithoutContent = body.chunks.some(
      (c) => c.noContent && c.trainingData.chunks.length > 0,
    );
    return {
      topic: 'training-data',
      cites: body.chunks.map((_, c) => `chunks[${c}].trainingData.chunks`),
      text: onlyWithoutContent
        ? 'No training passage was matched to a part of this text with content.'
        : 'No training passage was matched to this text.',
    };
  }
  const strong: typeof matches = [];
  for (const x of matches) {
    if (strong.length >= MAX_TRAINING_CHUNKS) break;
    if (isStrong(x.m) && !strong.some((s) => s.m.chunk === x.m.chunk)) strong.push(x);
  }
  if (strong.length === 0) {
    const best = matches[0];
    if (best.baseline && best.m.calibrated !== undefined) {
      return {
        topic: 'training-data',
        cites: [`${best.cite}.score`, `${best.cite}.calibrated`, `${best.chunkCite}.baseline`],
        text: `The closest training passage scores ${score(best.m.score)} on a similarity scale of 0 to 1, where the best of ${best.baseline.sampledChunks} training chunks taken evenly across the training data already scores ${score(best.baseline.ceiling)}: no clearer than chance, a weak match, so it is not evidence that this text draws on any particular training document.`,
      };
    }
    return {
      topic: 'training-data',
      cites: [`${best.cite}.score`],
      text: `The closest training passage scores only ${score(best.m.score)} on a similarity scale of 0 to 1, a weak match: it is not evidence that this text draws on any particular training document.`,
    };
  }
  const items = strong.map(({ m }) => {
    const against =
      m.calibrated === undefined
        ? ''
        : `, ${m.calibrated.toFixed(1)} times as far above this text's median as the best chunk taken by chance`;
    return `${quoted(m.chunk)} from ${quoted(m.document)} (source ${quoted(m.source)}, licence: ${m.licence}; score ${score(m.score)}${against})`;
  });
  const calibrated = strong.every((x) => x.m.calibrated !== undefined);
  return {
    topic: 'training-data',
    cites: strong.flatMap((x) => [
      x.cite,
      `${x.cite}.score`,
      ...(x.m.calibrated === undefined ? [] : [`${x.cite}.calibrated`, `${x.chunkCite}.baseline`]),
    ]),
    text: calibrated
      ? `The training passages it most resembles, clearly closer than any chunk taken by chance (similarity on a scale of 0 to 1, read against this text's scores with training chunks taken evenly across the training data), are ${listing(items)}; a close match shows similar concepts in a similar order, which can point to reproduced text but does not prove it.`
      : `The training passages it most resembles, with similarity scores of ${score(STRONG_TRAINING_MATCH)} or more on a scale of 0 to 1, are ${listing(items)}; a high score shows similar concepts in a similar order, which can point to reproduced text but does not prove it.`,
  };
}

/** A dictionary description inside a sentence: "Loans, …" → "loans, …" (not "GDP, …"). */
function sentenceCase(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0].toLowerCase() + text.slice(1) : text;
}
