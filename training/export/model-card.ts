import { PackageManifest } from 'src/model-package/model-package';
import { detectedPrecision } from 'training/eval/eval-report';

function precisionTable(value: unknown): string[] {
  const review = value as
    { byGroup: Record<string, { labels: number; correct: number; precision: number }> } | undefined;
  if (!review?.byGroup) return ['Not measured for this package.'];
  return [
    '| Group | Labels checked | Correct | Precision |',
    '| --- | ---: | ---: | ---: |',
    ...Object.entries(review.byGroup).map(
      ([group, r]) =>
        `| ${group} | ${r.labels} | ${r.correct} | ${(100 * r.precision).toFixed(1)}% |`,
    ),
  ];
}

/** The quality goals against the package's figures, in words, met or not. */
function goals(evaluation: Record<string, unknown>): string[] {
  const n = (key: string) => (typeof evaluation[key] === 'number' ? evaluation[key] : undefined);
  const rows: [string, number | undefined, (x: number) => boolean, string][] = [
    ['interpretability tax', n('interpretabilityTax'), (x) => x <= 1.15, '≤ 1.15'],
    [
      'perplexity against the bigram',
      n('perplexity'),
      (x) => x < (n('bigramPerplexity') ?? 0),
      'below the bigram',
    ],
    [
      'perplexity against the trigram',
      n('perplexity'),
      (x) => x < (n('trigramPerplexity') ?? 0),
      'below the trigram',
    ],
    ['concept AUROC', n('conceptAuroc'), (x) => x >= 0.92, '≥ 0.92'],
    ['concept share', n('conceptShare'), (x) => x >= 0.7, '≥ 0.7'],
    ['completeness error', n('completenessMaxError'), (x) => x < 1e-4, '< 1e-4'],
    // Issue 13: named concepts that mean what their names say.
    ['named share of the logit', n('knownShare'), (x) => x >= 0.4, '≥ 0.4'],
    [
      "named rows' rank correlation with log token frequency (median)",
      n('namedRowRankCorrelation'),
      (x) => x <= 0.3,
      '≤ 0.3',
    ],
    [
      "named rows' share that is not the mean row (median)",
      n('namedRowNonMeanShare'),
      (x) => x >= 0.5,
      '≥ 0.5',
    ],
    ['attribution precision@3', n('attributionPrecisionAt3'), (x) => x >= 0.7, '≥ 0.7'],
    [
      'concepts amplified to at least 2× their plain rate',
      n('steeringAmplifyAtLeast2x'),
      (x) => x >= 0.7,
      '≥ 0.7 of them',
    ],
    [
      'suppressed rate over plain (median)',
      n('steeringSuppressRatioMedian'),
      (x) => x <= 0.5,
      '≤ 0.5',
    ],
  ];
  const lines = rows
    .filter(([, value]) => value !== undefined)
    .map(([name, value, ok, goal]) => {
      const v = value as number;
      const shown = Math.abs(v) < 1e-3 ? v.toExponential(1) : v.toPrecision(4);
      return `- ${name}: ${shown} (goal ${goal}) — ${ok(v) ? 'met' : '**not met**'}`;
    });
  // Precision@3 counts three concepts against chunks that often carry one label: say the ceiling.
  const ceiling = n('attributionPrecisionAt3Ceiling');
  const at = lines.findIndex((l) => l.startsWith('- attribution precision@3:'));
  if (ceiling !== undefined && at >= 0) {
    lines[at] += ` (a perfect ranking would reach ${ceiling.toPrecision(3)} with these labels)`;
  }
  // Beside the goal, under its line: precision when the explanation cites only what it detected.
  const detected = detectedPrecision(evaluation);
  if (detected !== undefined && at >= 0) lines.splice(at + 1, 0, `  - ${detected}`);
  // How many concepts the steering figures stand on, and how thin the amplify counts are.
  const steering = evaluation.steering as
    | { suppressMeasuredOn?: number; perConcept?: { plain: number; amplified: number }[] }
    | undefined;
  const amplifyAt = lines.findIndex((l) => l.startsWith('- concepts amplified'));
  if (amplifyAt >= 0 && steering?.perConcept) {
    const single = steering.perConcept.filter((c) => c.plain === 0 && c.amplified === 1).length;
    lines[amplifyAt] +=
      ` (rates compared as (amplified + ½) / (plain + ½); ${single} of the ${steering.perConcept.length}` +
      ' concepts pass with one labelled generation of 50 against none)';
  }
  const suppressAt = lines.findIndex((l) => l.startsWith('- suppressed rate over plain'));
  if (suppressAt >= 0 && typeof steering?.suppressMeasuredOn === 'number') {
    lines[suppressAt] +=
      ` (on the ${steering.suppressMeasuredOn} concepts whose plain generations show them at least 5 times)`;
  }
  // Steering was measured, but no concept showed up often enough unsteered to halve.
  if (n('steeringConcepts') !== undefined && evaluation.steeringSuppressRatioMedian === null) {
    lines.push(
      '- suppressed rate over plain (median): not measurable, no steered concept appears in at least 5 ' +
        'plain generations of its suppression prompts (goal ≤ 0.5) — **not shown**',
    );
  }
  return lines;
}

/** What `model:refit-rows` did after training, when it did (the manifest's `namedRowRefit`). */
function refitLines(refit: unknown): string[] {
  if (typeof refit !== 'object' || refit === null) return [];
  const r = refit as Record<string, unknown>;
  const nats = (x: unknown) => (typeof x === 'number' ? x.toFixed(3) : '?');
  const count = (x: unknown) => (typeof x === 'number' ? x.toLocaleString('en-US') : '?');
  // A refit from before the targets setting counted the tokens after the evidence only.
  const where =
    r.targets === 'at-and-after'
      ? `where the next token begins a concept's evidence (its own words) and within ${String(r.window)} tokens after it`
      : `within ${String(r.window)} tokens after a concept's evidence`;
  return [
    '',
    'After training, the named rows were solved again on their own objective with everything else',
    `frozen (\`model:refit-rows\`: ${String(r.epochs)} passes, a Gaussian prior of scale ${String(r.effectPriorScale)} logits on every effect)`,
    `over ${count(r.positions)} positions ${where}. The named-only loss went from`,
    `${nats(r.namedOnlyLossBefore)} to ${nats(r.namedOnlyLossAfter)} nats per position. The`,
    'served logits do not read the named rows, so the generated text is the same up to float',
    'rounding; what the rows say (explanations, steering) is not.',
  ];
}

/**
 * How the training-data index read its paragraphs (the manifest's `training.trainingIndex`);
 * packages made before the setting read them in their chunks.
 */
function indexLines(index: unknown): string[] {
  const paragraphs = (index as { paragraphs?: unknown } | undefined)?.paragraphs ?? 'in-chunk';
  return [
    '',
    paragraphs === 'alone'
      ? 'The training-data index read every paragraph of a training chunk on its own, from [BOS], as the runtime reads a text it explains (`paragraphs: alone`).'
      : "The training-data index read every paragraph of a training chunk in its chunk's context (`paragraphs: in-chunk`).",
  ];
}

/**
 * What the objective adds to version 1's, in words: the terms that make named rows
 * concept-specific (MODEL-NOTES, issue 13), read from the objective the manifest records.
 */
function objectiveLines(objective: unknown): string[] {
  if (typeof objective !== 'object' || objective === null) return [];
  const o = objective as Record<string, unknown>;
  const lines: string[] = [];
  if (o.frequencyPrior === 'known') {
    lines.push(
      'A fixed log-unigram prior of the training split is added to the named-only path, so a',
      "named concept's row need not carry how common a token is, only what is specific to it.",
    );
  }
  if (typeof o.sharedDirectionWeight === 'number' && o.sharedDirectionWeight > 0) {
    lines.push(
      `A penalty (weight ${o.sharedDirectionWeight}) on the direction the named rows share; steering`,
      "acts on each row's own part (the row less that direction).",
    );
  }
  if (typeof o.knownPathWindow === 'number' && o.knownPathWindow > 0) {
    lines.push(
      `The named-only path is trained only within ${o.knownPathWindow} tokens after a concept's evidence,`,
      'not wherever the concept is on.',
    );
  }
  return lines.length > 0 ? ['', ...lines] : [];
}

/** A named concept as the card lists it: the tokens its effect row raises most. */
export interface CardConcept {
  key: string;
  group: string;
  topTokens: string[];
}

/** A token in a table cell: quoted, its spaces visible, no pipe to break the row. */
function cellToken(token: string): string {
  return JSON.stringify(token).replaceAll('|', '\\|');
}

/** Per group, each named concept's top tokens: whether its row says what its name says. */
function conceptTables(concepts: readonly CardConcept[]): string[] {
  if (concepts.length === 0) return ['Not listed for this package.'];
  const groups = [...new Set(concepts.map((c) => c.group))];
  return groups.flatMap((group) => {
    const members = concepts.filter((c) => c.group === group);
    return [
      `### ${group} (${members.length})`,
      '',
      '| Concept | Tokens its row raises most |',
      '| --- | --- |',
      ...members.map(
        (c) => `| \`${c.key}\` | ${c.topTokens.slice(0, 8).map(cellToken).join(' ')} |`,
      ),
      '',
    ];
  });
}

/**
 * MODEL_CARD.md from the manifest's own figures and the package's concept table, so the card
 * never disagrees with the package.
 */
export function modelCard(
  m: Omit<PackageManifest, 'files'>,
  concepts: readonly CardConcept[] = [],
): string {
  const s = m.shapes;
  const lines = [
    `# ${m.name} ${m.version}`,
    '',
    "A small causal language model of the Steerling family, trained by this repository's own",
    'TypeScript pipeline. Its final hidden state h is rewritten as named (supervised) concepts +',
    'unnamed concepts + a residual ε, read by a tied, bias-free head: every logit is exactly the sum',
    "of its concept contributions and ε's.",
    '',
    '## Architecture',
    '',
    `- Vocabulary ${s.vocabSize} (BPE), context ${s.contextLength}, width ${s.dModel}.`,
    `- ${s.knownConcepts} known concepts (sigmoid, top-${s.knownTopK}); ${s.unknownConcepts} unknown concepts (top-${s.unknownTopK}, on a detached h).`,
    '',
    '## Training',
    '',
    'Next-token cross-entropy of h on every token (the served logits are h · E_tokᵀ); on a seeded',
    '25% of tokens, also next-token loss through the concepts alone (known + unknown, ε switched',
    'off, no rescaling) and through the ground-truth named concepts alone (training only their',
    'embeddings); soft-OR BCE of the named concepts per chunk and BCE per position against causal',
    "labels (a concept is on from the token that completes its rule's evidence); reconstruction",
    'of h − known by the unknown part; a capped known/unknown covariance penalty; teacher forcing',
    'of the known part, easing from 1 to 0.5; 10% of input tokens replaced by [MASK].',
    ...objectiveLines(m.training.objective),
    ...refitLines(m.training.namedRowRefit),
    '',
    '```json',
    JSON.stringify(m.training, null, 2),
    '```',
    '',
    '## Data sources and licences',
    '',
    '| Source | Package | Version | Licence of the text |',
    '| --- | --- | --- | --- |',
    ...m.sources.map(
      (src) =>
        `| ${String(src.title)} | \`${String(src.package)}\` | ${String(src.version)} | ${String(src.licence)} |`,
    ),
    '',
    '## Canaries',
    '',
    'Invented facts planted in exactly one training chunk of one source each, to prove that',
    'memorisation and training-data attribution are detected:',
    '',
    ...m.canaries.map(
      (c) =>
        `- \`${String(c.id)}\` (${String(c.source)}, chunk \`${String(c.chunk)}\`): "${String(c.text)}"`,
    ),
    ...indexLines(m.training.trainingIndex),
    '',
    '## Concept label precision (hand-checked sample)',
    '',
    ...precisionTable(m.evaluation.labelPrecision),
    '',
    '## Evaluation (held-out split)',
    '',
    '```json',
    JSON.stringify(m.evaluation, null, 2),
    '```',
    '',
    '## Goals',
    '',
    ...goals(m.evaluation),
    '',
    '## Named concepts: the tokens each one raises',
    '',
    "Each named concept's effect row (its embedding times the token embeddings, `effects.bin`)",
    'ranks the vocabulary by how much the concept raises each token. A concept means what its name',
    'says when its own words lead, not the most frequent tokens (`.` `,` `the`).',
    '',
    ...conceptTables(concepts),
    '## Limitations',
    '',
    `- Trained on a few million tokens of formal English (${m.sources.map((src) => String(src.title)).join('; ')}):`,
    '  it is a faithful subject for audits, not a fluent assistant.',
    '- Concept labels are automatic (rules over WordNet, curated lexicons and regexes); their',
    '  measured precision is in the repository (training/concepts/PRECISION.md).',
    "- Training-data attribution is similarity in the model's concept space, not causal influence.",
    '',
  ];
  return lines.join('\n');
}
