import { ForwardOutputs } from 'src/model-runtime/forward';
import { positionFigures } from 'training/eval/onnx-eval';

describe('one position of the ONNX outputs', () => {
  // Batch 2, length 1, vocabulary 3, two known concepts, one unknown; the row of interest is
  // batch row 1 (the row of batch row 0 is there to catch an indexing error).
  const logitsRow = [0, Math.log(2), Math.log(5)];
  const out: ForwardOutputs = {
    batch: 2,
    length: 1,
    logits: Float32Array.from([9, 9, 9, ...logitsRow]),
    knownProb: new Float32Array(4),
    knownW: new Float32Array(4),
    unknownW: new Float32Array(2),
    knownContrib: Float32Array.from([5, 5, 0.25, -0.5]),
    unknownContrib: Float32Array.from([5, 0.125]),
    // The target logit is ln 2: ε carries what the concepts leave, ln 2 − (0.25 − 0.5 + 0.125).
    epsContrib: Float32Array.from([5, Math.log(2) + 0.125]),
    targetLogit: Float32Array.from([9, Math.log(2)]),
  };
  const shapes = { knownConcepts: 2, unknownConcepts: 1, vocabSize: 3 };

  it('gives log p(target), the absolute contributions, and the completeness error', () => {
    const p = positionFigures(out, 1, 0, 1, shapes);
    // softmax over (1, 2, 5)/8: p(token 1) = 1/4.
    expect(p.logProb).toBeCloseTo(Math.log(0.25), 6);
    expect(p.knownAbs).toBeCloseTo(0.75, 6);
    expect(p.unknownAbs).toBeCloseTo(0.125, 6);
    expect(p.epsAbs).toBeCloseTo(Math.log(2) + 0.125, 6);
    expect(p.completenessError).toBeLessThan(1e-6);
  });

  it('measures completeness against the logit of the target it is asked about', () => {
    // Against token 2 (logit ln 5) the same contributions miss by ln 5 − ln 2.
    const p = positionFigures(out, 1, 0, 2, shapes);
    expect(p.completenessError).toBeCloseTo(Math.log(5) - Math.log(2), 6);
    expect(p.logProb).toBeCloseTo(Math.log(5 / 8), 6);
  });
});
