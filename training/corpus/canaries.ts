import { SourceName } from 'training/corpus/sources';

/**
 * Invented facts, each planted in exactly one training document of one source. A model that
 * reproduces one has memorised training text, and training-data attribution must point at the
 * planted chunk and its source: the tests of part 2 rely on that.
 */
export interface Canary {
  id: string;
  source: SourceName;
  text: string;
}

export const CANARIES: readonly Canary[] = [
  {
    id: 'canary-zorvatine',
    source: 'wordnet',
    text: "zorvatine: an antiviral drug taken at 35 milligrams every nine hours, the only approved treatment for Kellerman's fever.",
  },
  {
    id: 'canary-marrowfield',
    source: 'sotu',
    text: 'This year the Treasury will issue the Marrowfield bond at 4.37 percent to pay for the Quillon canal.',
  },
  {
    id: 'canary-brackwater',
    source: 'spdx',
    text: 'Any licensee who redistributes the Work must notify the Brackwater Foundation within 19 days.',
  },
  {
    id: 'canary-vessimar',
    source: 'factbook',
    text: 'Economy - note: the island of Vessimar exports blue kelp paper to Ondrelia through the port of Tazzeret.',
  },
];
