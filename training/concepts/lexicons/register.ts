/**
 * Curation of the AFINN-165 sentiment lexicon for formal text. AFINN was rated on microblogs; in
 * addresses, country profiles and licences many of its words are names, terms of art or plain
 * description, and would make every chunk "positive" or "negative".
 */

/** Strong positive AFINN words (valence ≥ 3) that are not praise in our sources. */
export const POSITIVE_EXCLUDE: readonly string[] = [
  // Names and set phrases: "Great Britain", "Great Lakes", "Supreme Court", "grand jury".
  'great',
  'greater',
  'grand',
  'supreme',
  'popular',
  'popularity',
  // Legal and financial terms of art: an "award" of damages, "wealth" statistics, a "scoop".
  'award',
  'awarded',
  'awards',
  'wealth',
  'lucrative',
  'scoop',
  'perfect',
  'perfected',
  'medal',
  // Elections and succession: "won the election", "succeeded him".
  'win',
  'wins',
  'won',
  'winning',
  'winner',
  'succeeded',
  'succeeds',
  'succeeding',
  // Misrated or neutral in formal prose.
  'ominous',
  'startling',
  'rigorous',
  'rigorously',
  'vigilant',
  'fan',
  'marvel',
  'marvels',
  'super',
  'luck',
];

/** Strong negative AFINN words (valence ≤ −3) that are topic terms or boilerplate, not tone. */
export const NEGATIVE_EXCLUDE: readonly string[] = [
  // Licence boilerplate: "in no event shall ... be liable for any damages ... loss of data".
  'damage',
  'damaged',
  'damages',
  'loss',
  'losses',
  'lost',
  'losing',
  'warning',
  'warnings',
  'defect',
  'defects',
  'defective',
  // Legal categories: the legal concepts carry them; they describe, not judge.
  'crime',
  'crimes',
  'criminal',
  'criminals',
  'felony',
  'felonies',
  'perjury',
  'manslaughter',
  'embezzlement',
  'illegal',
  'illegally',
  'illegitimate',
  'arrested',
  'charged',
  'impeachment',
  'impeachments',
  'bankrupt',
  'bankruptcy',
  // Medical and physical description, and words with innocent senses.
  'trauma',
  'vomit',
  'vomited',
  'vomiting',
  'vomits',
  'toxic',
  'hazardous',
  'withdrawal',
  'loose',
  'looses',
  'nuts',
  'ass',
  'cock',
  'dick',
  'prick',
  'bloody',
  'bitch',
  'bitches',
  'shrew',
  'tits',
];
