import { lemmaKey, LEXNAMES, loadWordNet, selectLemmas, WordNet } from 'training/concepts/wordnet';

jest.setTimeout(60_000);

let wn: WordNet;
let loadMs: number;

beforeAll(() => {
  const start = Date.now();
  wn = loadWordNet();
  loadMs = Date.now() - start;
});

function domainNames(ids: readonly number[]): string[] {
  return ids.map((id) => wn.synsets[id].words[0]);
}

describe('loading', () => {
  it('parses every part of speech in a few seconds and caches the result', () => {
    expect(wn.synsets.length).toBeGreaterThan(117_000);
    expect(loadMs).toBeLessThan(15_000);
    expect(loadWordNet()).toBe(wn);
  });

  it('knows the 45 lexicographer files', () => {
    expect(LEXNAMES).toHaveLength(45);
    expect(LEXNAMES[8]).toBe('noun.body');
    expect(LEXNAMES[26]).toBe('noun.state');
    expect(LEXNAMES[29]).toBe('verb.body');
  });

  it('normalises lemmas', () => {
    expect(lemmaKey('Interest_Rate')).toBe('interest rate');
    expect(wn.senses('Interest_rate')).toEqual(wn.senses('interest rate'));
  });
});

describe('senses', () => {
  it('orders senses by part of speech and frequency, with tag counts', () => {
    const bank = wn.senses('bank');
    expect(bank[0].synset.pos).toBe('n');
    expect(bank[0].senseNumber).toBe(1);
    expect(bank[0].synset.lexname).toBe('noun.object');
    expect(bank[0].tagCount).toBeGreaterThan(0);
    expect(bank.some((s) => s.synset.pos === 'v')).toBe(true);
  });

  it('gives lexicographer files', () => {
    expect(wn.senses('liver').some((s) => s.synset.lexname === 'noun.body')).toBe(true);
    expect(wn.synset('aspirin.n.01').lexname).toBe('noun.artifact');
  });

  it('finds synsets by name and rejects unknown names', () => {
    expect(wn.synset('drug.n.01').words).toContain('drug');
    expect(() => wn.synset('drug.n.99')).toThrow('Unknown synset');
    expect(() => wn.synset('not a name')).toThrow('Not a synset name');
  });
});

describe('relations', () => {
  it('has a hypernym path from aspirin to drug', () => {
    const aspirin = wn.synset('aspirin.n.01');
    expect(wn.isA(aspirin, wn.synset('drug.n.01'))).toBe(true);
    expect(wn.isA(aspirin, wn.synset('medicine.n.02'))).toBe(true);
    expect(wn.isA(aspirin, wn.synset('weapon.n.01'))).toBe(false);
    expect(wn.hypernymClosure(aspirin).has(aspirin.id)).toBe(true);
  });

  it('lists descendants through hyponyms', () => {
    const below = wn.descendants([wn.synset('drug.n.01')]);
    expect(below.has(wn.synset('aspirin.n.01').id)).toBe(true);
    expect(below.has(wn.synset('bank.n.01').id)).toBe(false);
  });

  it('puts "tort" in the law topic domain', () => {
    const tort = wn.senses('tort')[0];
    expect(domainNames(tort.topicDomains)).toContain('law');
  });

  it('marks an obscenity with the obscenity usage domain', () => {
    const turd = wn.senses('turd');
    expect(turd.some((s) => domainNames(s.usageDomains).includes('obscenity'))).toBe(true);
  });

  it('keeps lexical domain pointers on their own word', () => {
    // In the aspirin synset "Bayer" is a trademark; "aspirin" itself is not.
    const bayer = wn.senses('Bayer').find((s) => s.synset.words.includes('aspirin'))!;
    expect(domainNames(bayer.usageDomains)).toContain('trademark');
    expect(wn.senses('aspirin')[0].usageDomains).toEqual([]);
  });

  it('marks named individuals as instances', () => {
    expect(wn.senses('Nile')[0].synset.isInstance).toBe(true);
    expect(wn.senses('river')[0].synset.isInstance).toBe(false);
  });
});

describe('selectLemmas', () => {
  it('selects hyponyms with their share of sense weight', () => {
    const drugs = selectLemmas(wn, { hyponymsOf: ['medicine.n.02'] });
    const lemmas = new Set(drugs.map((d) => d.lemma));
    expect(lemmas.has('aspirin')).toBe(true);
    expect(lemmas.has('penicillin')).toBe(true);
    expect(drugs.every((d) => d.share >= 0.75)).toBe(true);
  });

  it('leaves out lemmas whose qualifying senses are a minority', () => {
    const finance = selectLemmas(wn, { lexnames: ['noun.possession'], minShare: 0.75 });
    const lemmas = new Set(finance.map((d) => d.lemma));
    expect(lemmas.has('interest')).toBe(false);
    expect(lemmas.has('bank')).toBe(false);
    expect(lemmas.has('mortgage')).toBe(true);
  });

  it('selects by topic and usage domain', () => {
    const law = new Set(selectLemmas(wn, { topicDomains: ['law.n.01'] }).map((d) => d.lemma));
    expect(law.has('tort')).toBe(true);
    const obscene = selectLemmas(wn, { usageDomains: ['obscenity.n.02'], minShare: 0.3 });
    expect(obscene.map((d) => d.lemma)).toContain('turd');
    expect(obscene.map((d) => d.lemma)).not.toContain('welfare');
  });

  it('marks capitalised forms as cased and can leave instances out', () => {
    const drugs = selectLemmas(wn, { hyponymsOf: ['medicine.n.02'] });
    expect(drugs.find((d) => d.lemma === 'bayer')?.cased).toBe(true);
    const doctors = selectLemmas(wn, {
      hyponymsOf: ['medical_practitioner.n.01'],
      excludeInstances: true,
    });
    expect(doctors.some((d) => d.lemma === 'hippocrates')).toBe(false);
    expect(doctors.some((d) => d.lemma === 'physician')).toBe(true);
  });

  it('filters by gloss', () => {
    const slurs = selectLemmas(wn, {
      lexnames: ['noun.person'],
      glossMatches: /\boffensive term for\b/,
      minShare: 0.5,
    });
    expect(slurs.length).toBeGreaterThan(5);
    expect(slurs.map((d) => d.lemma)).not.toContain('black');
  });
});
