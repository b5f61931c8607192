import { PackageManifest } from 'src/model-package/model-package';

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

/** MODEL_CARD.md from the manifest's own figures, so the card never disagrees with the package. */
export function modelCard(m: Omit<PackageManifest, 'files'>): string {
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
    '## Limitations',
    '',
    '- Trained on a few million tokens of formal English (addresses, country profiles, licence',
    '  texts, dictionary glosses): it is a faithful subject for audits, not a fluent assistant.',
    '- Concept labels are automatic (rules over WordNet, curated lexicons and regexes); their',
    '  measured precision is in the repository (src/model-training/concepts/PRECISION.md).',
    "- Training-data attribution is similarity in the model's concept space, not causal influence.",
    '',
  ];
  return lines.join('\n');
}
