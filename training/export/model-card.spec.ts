import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelCard } from 'training/export/model-card';

const manifest = (evaluation: Record<string, unknown>) => ({
  name: 'audit-lm-test',
  version: '1',
  format: 1 as const,
  shapes: {
    vocabSize: 64,
    contextLength: 16,
    dModel: 8,
    knownConcepts: 4,
    unknownConcepts: 16,
    knownTopK: 2,
    unknownTopK: 4,
  },
  effects: { knownOffset: 0, unknownOffset: 1024 },
  training: { steps: 10 },
  sources: [],
  canaries: [],
  evaluation,
});

describe('model card', () => {
  it('states each quality goal as met or not met from the figures', () => {
    const card = modelCard(
      manifest({
        interpretabilityTax: 1.3,
        perplexity: 80,
        bigramPerplexity: 100,
        trigramPerplexity: 50,
        conceptAuroc: 0.9,
        conceptShare: 0.5,
        completenessMaxError: 2e-6,
      }),
    );
    expect(card).toContain('- interpretability tax: 1.300 (goal ≤ 1.15) — **not met**');
    expect(card).toContain('- perplexity against the bigram: 80.00 (goal below the bigram) — met');
    expect(card).toContain(
      '- perplexity against the trigram: 80.00 (goal below the trigram) — **not met**',
    );
    expect(card).toContain('- concept AUROC: 0.9000 (goal ≥ 0.92) — **not met**');
    expect(card).toContain('- concept share: 0.5000 (goal ≥ 0.7) — **not met**');
    expect(card).toContain('- completeness error: 2.0e-6 (goal < 1e-4) — met');
  });

  it("states version 2's goals for named concepts, each met or not", () => {
    const card = modelCard(
      manifest({
        knownShare: 0.12,
        namedRowRankCorrelation: 0.05,
        namedRowNonMeanShare: 0.95,
        attributionPrecisionAt3: 0.71,
        steeringAmplifyAtLeast2x: 0.5,
        steeringSuppressRatioMedian: 0.4,
      }),
    );
    expect(card).toContain('- named share of the logit: 0.1200 (goal ≥ 0.4) — **not met**');
    expect(card).toContain(
      "- named rows' rank correlation with log token frequency (median): 0.05000 (goal ≤ 0.3) — met",
    );
    expect(card).toContain(
      "- named rows' share that is not the mean row (median): 0.9500 (goal ≥ 0.5) — met",
    );
    expect(card).toContain('- attribution precision@3: 0.7100 (goal ≥ 0.7) — met');
    expect(card).toContain(
      '- concepts amplified to at least 2× their plain rate: 0.5000 (goal ≥ 0.7 of them) — **not met**',
    );
    expect(card).toContain('- suppressed rate over plain (median): 0.4000 (goal ≤ 0.5) — met');
  });

  it('says how the training-data index read its paragraphs, in-chunk when the manifest is silent', () => {
    const alone = modelCard({
      ...manifest({}),
      training: { steps: 10, trainingIndex: { paragraphs: 'alone' } },
    });
    expect(alone).toContain('on its own, from [BOS]');
    expect(alone).not.toContain('`paragraphs: in-chunk`');
    const before = modelCard(manifest({}));
    expect(before).toContain("in its chunk's context (`paragraphs: in-chunk`)");
    expect(before).not.toContain('`paragraphs: alone`');
  });

  it("lists each group's named concepts with the tokens their rows raise, quoted and escaped", () => {
    const card = modelCard(manifest({}), [
      { key: 'finance.banking', group: 'finance', topTokens: [' bank', ' loan', '|'] },
      { key: 'health.medication', group: 'health', topTokens: [' drug'] },
      { key: 'finance.taxation', group: 'finance', topTokens: [' tax'] },
    ]);
    expect(card).toContain('### finance (2)');
    expect(card).toContain('| `finance.banking` | " bank" " loan" "\\|" |');
    expect(card).toContain('| `finance.taxation` | " tax" |');
    expect(card.indexOf('### health (1)')).toBeGreaterThan(card.indexOf('finance.taxation'));
  });

  it("describes the objective's version 2 terms only for a package trained with them", () => {
    const v1 = { frequencyPrior: 'none', sharedDirectionWeight: 0, knownPathWindow: 0 };
    const v2 = { frequencyPrior: 'known', sharedDirectionWeight: 1, knownPathWindow: 16 };
    const card = (objective: unknown) =>
      modelCard({ ...manifest({}), training: { steps: 10, objective } });
    expect(card(v2)).toContain('A fixed log-unigram prior of the training split');
    expect(card(v2)).toContain('A penalty (weight 1) on the direction the named rows share');
    expect(card(v2)).toContain('only within 16 tokens after');
    for (const text of [card(v1), card(undefined)]) {
      expect(text).not.toContain('log-unigram prior');
      expect(text).not.toContain('direction the named rows share');
      expect(text).not.toContain("after a concept's evidence");
    }
  });

  it('states the ceiling precision@3 could reach with the labels, beside the goal', () => {
    const card = modelCard(
      manifest({ attributionPrecisionAt3: 0.29, attributionPrecisionAt3Ceiling: 0.42 }),
    );
    expect(card).toContain(
      '- attribution precision@3: 0.2900 (goal ≥ 0.7) — **not met** (a perfect ranking would reach 0.420',
    );
  });

  it("states precision among detected concepts under the goal's line, as not the goal's figure", () => {
    const card = modelCard(
      manifest({
        attributionPrecisionAt3: 0.316,
        attributionPrecisionAt3Ceiling: 0.383,
        attributionDetectedPrecisionAt3: 0.75,
        attributionDetectedCited: 1.4,
        attributionDetectedCoverage: 0.862,
        attributionDetectedTop1Accuracy: 0.8,
      }),
    );
    expect(card).toContain(
      '- attribution precision@3: 0.3160 (goal ≥ 0.7) — **not met** (a perfect ranking would reach 0.383 with these labels)\n' +
        "  - among detected concepts (p ≥ 0.5), not the goal's figure: precision 0.750 on the 86% of labelled chunks that cite one, 1.40 cited per labelled chunk, top-1 accuracy 0.800\n",
    );
    const none = modelCard(
      manifest({
        attributionPrecisionAt3: 0.316,
        attributionDetectedPrecisionAt3: null,
        attributionDetectedCited: 0,
        attributionDetectedCoverage: 0,
        attributionDetectedTop1Accuracy: null,
      }),
    );
    expect(none).toContain(
      "— **not met**\n  - among detected concepts (p ≥ 0.5), not the goal's figure: no labelled chunk cites one\n",
    );
  });

  it('renders from an evaluation saved before the detected figures, without them', () => {
    const saved = JSON.parse(
      readFileSync(
        join(__dirname, '../../model-store/.checkpoints/v2-rows-evidence/eval-step8000-2.3.0.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    expect(saved).not.toHaveProperty('attributionDetectedCoverage');
    const card = modelCard(manifest(saved));
    expect(card).toMatch(/- attribution precision@3: 0\.3159 \(goal ≥ 0\.7\) — \*\*not met\*\*/);
    expect(card).not.toContain('among detected concepts');
  });

  it('says the suppression goal is not shown when no concept was common enough to measure', () => {
    const card = modelCard(manifest({ steeringConcepts: 24, steeringSuppressRatioMedian: null }));
    expect(card).toContain('- suppressed rate over plain (median): not measurable');
    expect(card).toContain('— **not shown**');
    expect(modelCard(manifest({}))).not.toContain('suppressed rate over plain');
  });

  it('says what the steering figures stand on: thin amplify counts and the concepts suppression was measured on', () => {
    const card = modelCard(
      manifest({
        steeringAmplifyAtLeast2x: 0.5,
        steeringSuppressRatioMedian: 0.1,
        steering: {
          suppressMeasuredOn: 2,
          perConcept: [
            { plain: 0, amplified: 1 },
            { plain: 0, amplified: 1 },
            { plain: 0, amplified: 6 },
            { plain: 1, amplified: 0 },
          ],
        },
      }),
    );
    expect(card).toContain(
      '— **not met** (rates compared as (amplified + ½) / (plain + ½); 2 of the 4 concepts pass with one labelled generation of 50 against none)',
    );
    expect(card).toContain(
      '- suppressed rate over plain (median): 0.1000 (goal ≤ 0.5) — met (on the 2 concepts whose plain generations show them at least 5 times)',
    );
  });

  it('says when the named rows were solved again after training, and what that left the same', () => {
    const card = modelCard({
      ...manifest({}),
      training: {
        steps: 10,
        namedRowRefit: {
          epochs: 60,
          positions: 1241546,
          window: 16,
          effectPriorScale: 2,
          namedOnlyLossBefore: 6.7801,
          namedOnlyLossAfter: 6.646,
        },
      },
    });
    expect(card).toContain('60 passes, a Gaussian prior of scale 2 logits');
    expect(card).toContain("over 1,241,546 positions within 16 tokens after a concept's evidence.");
    expect(card).toContain('The named-only loss went from\n6.780 to 6.646 nats per position');
    expect(card).toContain('the generated text is the same up to float');
    const atEvidence = modelCard({
      ...manifest({}),
      training: {
        steps: 10,
        namedRowRefit: { epochs: 60, positions: 1339004, window: 16, targets: 'at-and-after' },
      },
    });
    expect(atEvidence).toContain(
      "1,339,004 positions where the next token begins a concept's evidence (its own words) and within 16 tokens after it.",
    );
    expect(modelCard(manifest({}))).not.toContain('model:refit-rows');
  });

  it('leaves out goals the package has no figure for', () => {
    const card = modelCard(manifest({ perplexity: 80 }));
    expect(card).not.toContain('interpretability tax');
    expect(card).not.toContain('concept AUROC');
  });
});
