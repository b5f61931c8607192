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
    expect(card).toContain('- concept AUROC: 0.9000 (goal ≥ 0.85) — met');
    expect(card).toContain('- concept share: 0.5000 (goal ≥ 0.7) — **not met**');
    expect(card).toContain('- completeness error: 2.0e-6 (goal < 1e-4) — met');
  });

  it('leaves out goals the package has no figure for', () => {
    const card = modelCard(manifest({ perplexity: 80 }));
    expect(card).not.toContain('interpretability tax');
    expect(card).not.toContain('concept AUROC');
  });
});
