import { citeKey, parseCite, resolveCite } from './cite-resolver';
import { CREDIT_PROMPT, creditInput } from './explanation.fixtures';

describe('resolveCite', () => {
  const input = creditInput();

  it('resolves body fields, array elements and quoted keys', () => {
    expect(resolveCite('chunks[1].concepts.known[0].share', input)).toEqual({
      found: true,
      value: 0.2,
    });
    expect(resolveCite('policy.results[2]', input)).toEqual({
      found: true,
      value: input.body.policy.results[2],
    });
    expect(resolveCite('chunks[0].trainingData.sources["sotu"]', input)).toEqual({
      found: true,
      value: 0.55,
    });
    expect(resolveCite('request.solelyAutomatedDecision', input)).toEqual({
      found: true,
      value: true,
    });
  });

  it('resolves prompt spans and reviews beside the body', () => {
    const at = CREDIT_PROMPT.indexOf('loan');
    expect(resolveCite(`text.prompt[${at}:${at + 4}]`, input)).toEqual({
      found: true,
      value: 'loan',
    });
    expect(resolveCite('reviews[0]', input)).toEqual({ found: true, value: input.reviews[0] });
  });

  it.each([
    ['chunks[3]', /no element \[3\]/],
    ['chunks[0].concepts.known[9].share', /no element \[9\]/],
    ['policy.rules', /no field "rules"/],
    ['steering[0].weight.x', /no field "x"/],
    ['text.prompt[10:5]', /no span/],
    [`text.prompt[0:${CREDIT_PROMPT.length + 1}]`, /no span/],
    ['reviews[1]', /no element/],
    ['chunks[0]..start', /not a valid cite/],
    ['chunks[-1]', /not a valid cite/],
    ['', /not a valid cite/],
  ])('refuses %s', (cite, reason) => {
    const r = resolveCite(cite, input);
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toMatch(reason);
  });

  it('resolves no text span once the text was erased', () => {
    expect(resolveCite('text.prompt[0:4]', { ...input, text: null })).toEqual({
      found: false,
      reason: 'the text was erased',
    });
  });

  it('writes keys that are not identifiers as JSON strings, which parse back', () => {
    expect(citeKey('sotu')).toBe('.sotu');
    expect(citeKey('gov-uk]"x')).toBe('["gov-uk]\\"x"]');
    expect(parseCite(`sources${citeKey('gov-uk]"x')}`)).toEqual([
      { kind: 'key', key: 'sources' },
      { kind: 'key', key: 'gov-uk]"x' },
    ]);
  });
});
