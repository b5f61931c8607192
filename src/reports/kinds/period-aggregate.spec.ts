import { creditInput, withDetections } from 'src/reports/explanation/explanation.fixtures';
import { PeriodAggregate } from './period-aggregate';

describe('PeriodAggregate: detection of named concepts', () => {
  const aggregate = () =>
    new PeriodAggregate({
      from: new Date('2026-03-01T00:00:00.000Z'),
      unit: 'day',
      reportId: '0190f3a2-7c41-7d2e-9b10-3e5c8a1f2d40',
      groupOf: (key) => key.split('.')[0],
    });
  const usage = (a: PeriodAggregate, key: string) =>
    a.figures().concepts.find((c) => c.key === key);

  it('counts the outputs that state a concept detection, and those that detected it', () => {
    const a = aggregate();
    // Employment detected in one chunk of the first output only; not in the second; the third
    // output is from before method version 3 and states nothing.
    a.add(withDetections(creditInput(), { 'finance.employment': [0.2, 0.7, 0.1] }).body);
    a.add(withDetections(creditInput(), { 'finance.employment': [0.2, 0.3, 0.1] }).body);
    a.add(creditInput().body);
    expect(usage(a, 'finance.employment')).toEqual(
      expect.objectContaining({ statedIn: 2, detectedIn: 1, forcedIn: 0 }),
    );
    expect(usage(a, 'finance.credit_lending')).toEqual(
      expect.objectContaining({ statedIn: 2, detectedIn: 2 }),
    );
  });

  it('leaves a steered concept out of the detection counts, as out of the mean share', () => {
    const a = aggregate();
    a.add(withDetections(creditInput()).body);
    // The credit record amplifies tone.uncertainty (policy steering): forced, not stated.
    expect(usage(a, 'tone.uncertainty')).toEqual(
      expect.objectContaining({ forcedIn: 1, statedIn: 0, detectedIn: 0 }),
    );
  });
});
