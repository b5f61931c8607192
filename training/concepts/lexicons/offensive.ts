/**
 * DETECTION LEXICON. These lists exist only so the labeller can flag offensive language for the
 * safety concepts; they are kept minimal on purpose. Most entries come from WordNet at build time
 * (its "obscenity" and "ethnic slur" usage domains and glosses); the words here are only those
 * WordNet 3.1 lacks or under-weights, plus the exclusions that keep innocent words out.
 */

/** Obscenities WordNet lacks or dilutes with innocent senses. */
export const PROFANITY_EXTRA: readonly string[] = [
  'fuck(s|ed|er|ers|ing)',
  'motherfucker(s)',
  'shit(s|ty|head|heads)',
  'bullshit',
  'asshole(s)',
  'cunt(s)',
  'goddamn',
  'goddamned',
  'dickhead(s)',
  'son of a bitch',
  'sons of bitches',
];

/**
 * WordNet lemmas in the obscenity domain that are innocent in the texts we label, or mild
 * euphemisms rather than profanity.
 */
export const PROFANITY_EXCLUDE: readonly string[] = [
  'dick',
  'pecker',
  'pee(s|d|ing)',
  'piss(ed|ing)',
  'screw(s|ed|ing)',
  'roll in the hay',
  'irish bull',
  'nookie',
  'nooky',
  'bastard(s)',
  'poop(s|ed|ing)',
  'sob',
];

/** Slurs WordNet 3.1 does not have or whose slur sense it gives a minority of the weight. */
export const SLUR_EXTRA: readonly string[] = [
  'nigger(s)',
  'nigga(s)',
  'faggot(s)',
  'spic(s)',
  'raghead(s)',
  'towelhead(s)',
  'beaner(s)',
  'redskin(s)',
];

/**
 * WordNet-derived slur candidates that are innocent words here ("Guinea", "paddy fields", "taco")
 * or insults that do not target a group (they belong to the insult concept).
 */
export const SLUR_EXCLUDE: readonly string[] = [
  'guinea',
  'paddy',
  'taco',
  'chink',
  'mick',
  'mickey',
  'jerry',
  'hun',
  'nip',
  'bushwhacker',
  'apparatchik',
  'placeman',
  'placeseeker',
  'tree hugger',
  'ragtag',
  'ragtag and bobtail',
  'riffraff',
  'runt',
  'half-pint',
  'peewee',
  'moonie',
  'indian giver',
  'hillbilly',
  'greaser',
  'mammy',
  'red man',
  'papist',
  'papism',
  'popery',
  'gamin',
  'street arab',
  'gip',
  'gyp',
];

/** Name-calling words: a direct insult whatever the context. */
export const INSULT_WORDS: readonly string[] = [
  'idiot(s)',
  'idiotic',
  'moron(s)',
  'moronic',
  'imbecile(s)',
  'cretin(s)',
  'dimwit(s)',
  'nitwit(s)',
  'dumbass',
  'jackass',
  'blockhead(s)',
  'scumbag(s)',
  'stupid',
  'liar(s)',
  'coward(s)',
  'cowardly',
  'thug(s)',
  'lowlife',
  'piece of shit',
];

/** WordNet "simpleton" hyponyms that describe rather than insult, or are innocent words. */
export const INSULT_EXCLUDE: readonly string[] = [
  'forgetful person',
  'idiot savant',
  'changeling',
  'morosoph',
  'simpleton',
  'stupid person',
  'flibbertigibbet',
  'muggins',
  'poor fish',
  'space cadet',
  'schlemiel',
  'shlemiel',
  'nebbech',
  'nebbish',
  'foolish woman',
];

/** Where an insult word is a dictionary description rather than name-calling. */
export const INSULT_MASKS: readonly string[] = ['stupid person'];
