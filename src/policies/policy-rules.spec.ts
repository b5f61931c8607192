import { createHash } from 'node:crypto';
import { FieldProblem } from 'src/common/domain-error';
import { CanonicalJsonError, canonicalJson } from 'src/evidence-format/canonical-json';
import {
  evaluatePolicy,
  groupShare,
  ModelVocabulary,
  policyRules,
  PolicyRules,
  PolicyRulesInput,
  policyRulesProblems,
  rulesSha256,
} from 'src/policies/policy-rules';
import { RecordChunk } from 'src/evidence-format/record-body';

// Shares are multiples of 1/8 where a comparison is at stake: exact in binary floating point, so
// a sum that lands on a limit lands on it exactly and `>` against `>=` is what decides.

const MODEL: ModelVocabulary = {
  conceptKeys: new Set([
    'health.diagnosis',
    'health.medication',
    'finance.credit',
    'topic.politics_government',
  ]),
  groups: new Set(['topic', 'health', 'finance']),
};

const NO_RULES: PolicyRules = { steering: [], thresholds: [], requiredFields: [] };

const one = (field: string, problem: string): FieldProblem[] => [{ field, problems: [problem] }];

/** A record chunk whose known concepts are the given [key, group, share] triples. */
function chunk(index: number, known: [string, string, number][]): RecordChunk {
  return {
    index,
    start: index * 10,
    end: index * 10 + 10,
    concepts: {
      method: 'concept-decomposition',
      methodVersion: 1,
      known: known.map(([key, group, share], id) => ({ id, key, group, contribution: 1, share })),
      // An unknown concept has no group: its share never counts towards one.
      unknown: [{ id: 99, topTokens: [' x'], contribution: 1, share: 0.5 }],
      knownShare: 0.5,
      unknownShare: 0.5,
      epsilonShare: 0,
      steeringShare: 0,
      steeringPenalty: 0,
    },
    context: { method: 'leave-one-out-mask', methodVersion: 1, effects: [] },
    trainingData: {
      method: 'concept-signature-similarity',
      methodVersion: 2,
      interpretation: 'similarity, not influence',
      sources: {},
      chunks: [],
    },
  };
}

const policy = (rules: Partial<PolicyRules>) => ({
  id: 'policy-1',
  version: 3,
  rules: { ...NO_RULES, ...rules },
});

/** The outcome and detail of the one threshold rule of a policy, judged on the given chunks. */
function threshold(
  limits: { flagAbove?: number; blockAbove?: number },
  chunks: RecordChunk[],
): { outcome: string; detail: string } {
  const result = evaluatePolicy(
    policy({ thresholds: [{ group: 'health', ...limits }] }),
    chunks,
    [],
  );
  expect(result.results).toHaveLength(1);
  expect(result.results[0].rule).toBe('threshold:health');
  expect(result.outcome).toBe(result.results[0].outcome);
  return { outcome: result.results[0].outcome, detail: result.results[0].detail };
}

describe('policyRulesProblems', () => {
  const problemsOf = (input: PolicyRulesInput) => policyRulesProblems(input, MODEL);

  it('finds none in an empty policy, or one that names only what the model has', () => {
    expect(problemsOf({})).toEqual([]);
    expect(
      problemsOf({
        steering: [
          { concept: 'topic.politics_government', mode: 'suppress' },
          { concept: 'health.medication', mode: 'amplify', weight: 0.5 },
        ],
        thresholds: [
          { group: 'health', flagAbove: 0.25, blockAbove: 0.5 },
          { group: 'finance', blockAbove: 0.75 },
          { group: 'topic', flagAbove: 0 },
        ],
        requiredFields: ['purpose', 'caseId', 'subjectRef'],
      }),
    ).toEqual([]);
  });

  it('accepts limits at both ends of [0, 1], and a flag limit equal to the block limit', () => {
    expect(
      problemsOf({
        thresholds: [
          { group: 'health', flagAbove: 0, blockAbove: 1 },
          { group: 'finance', flagAbove: 0.5, blockAbove: 0.5 },
          { group: 'topic', flagAbove: 1, blockAbove: 1 },
        ],
      }),
    ).toEqual([]);
  });

  describe('in steering', () => {
    const steer = (...concepts: string[]) =>
      problemsOf({ steering: concepts.map((concept) => ({ concept, mode: 'suppress' })) });

    it.each([
      ['an unknown concept', 'health.nonsense'],
      ['a group instead of a concept', 'health'],
      ['a concept key in another case', 'Health.Diagnosis'],
    ])('refuses %s, naming it', (_what, concept) => {
      expect(steer('finance.credit', concept)).toEqual(
        one(
          'rules.steering.1.concept',
          `must name a concept of the model, got ${JSON.stringify(concept)}`,
        ),
      );
    });

    it('refuses each repeat of a concept, whatever the mode', () => {
      expect(
        problemsOf({
          steering: [
            { concept: 'health.diagnosis', mode: 'suppress' },
            { concept: 'finance.credit', mode: 'suppress' },
            { concept: 'health.diagnosis', mode: 'amplify' },
            { concept: 'health.diagnosis', mode: 'suppress', weight: 0 },
          ],
        }),
      ).toEqual([
        { field: 'rules.steering.2.concept', problems: ['health.diagnosis is steered twice'] },
        { field: 'rules.steering.3.concept', problems: ['health.diagnosis is steered twice'] },
      ]);
    });

    it('says an unknown concept is unknown, each time, rather than steered twice', () => {
      expect(steer('nope', 'nope')).toEqual([
        {
          field: 'rules.steering.0.concept',
          problems: ['must name a concept of the model, got "nope"'],
        },
        {
          field: 'rules.steering.1.concept',
          problems: ['must name a concept of the model, got "nope"'],
        },
      ]);
    });
  });

  describe('in thresholds', () => {
    const limit = (...entries: PolicyRules['thresholds']) => problemsOf({ thresholds: entries });

    it.each(['cooking', 'health.diagnosis', 'Health'])(
      'refuses group %j, listing the groups',
      (group) => {
        expect(limit({ group: 'topic', flagAbove: 0.5 }, { group, flagAbove: 0.5 })).toEqual(
          one(
            'rules.thresholds.1.group',
            'must be a concept group of the model (finance, health, topic)',
          ),
        );
      },
    );

    it('refuses an entry with neither limit', () => {
      expect(limit({ group: 'health' })).toEqual(
        one('rules.thresholds.0', 'needs flagAbove, blockAbove or both'),
      );
    });

    it('refuses a flag limit above the block limit, even by the least amount', () => {
      expect(limit({ group: 'health', flagAbove: 0.5, blockAbove: 0.375 })).toEqual(
        one('rules.thresholds.0', 'flagAbove must not be above blockAbove'),
      );
      expect(limit({ group: 'health', flagAbove: 0.5000001, blockAbove: 0.5 })).toEqual(
        one('rules.thresholds.0', 'flagAbove must not be above blockAbove'),
      );
    });

    it('accepts either limit alone', () => {
      expect(limit({ group: 'health', flagAbove: 1 }, { group: 'finance', blockAbove: 0 })).toEqual(
        [],
      );
    });
  });

  it('reports every problem at once, by field, in the order of the policy', () => {
    expect(
      problemsOf({
        steering: [
          { concept: 'health.diagnosis', mode: 'suppress' },
          { concept: 'nope', mode: 'suppress' },
          { concept: 'health.diagnosis', mode: 'amplify' },
        ],
        thresholds: [
          { group: 'health', flagAbove: 0.75, blockAbove: 0.5 },
          { group: 'cooking', flagAbove: 0.5 },
          { group: 'finance' },
        ],
      }),
    ).toEqual([
      {
        field: 'rules.steering.1.concept',
        problems: ['must name a concept of the model, got "nope"'],
      },
      { field: 'rules.steering.2.concept', problems: ['health.diagnosis is steered twice'] },
      { field: 'rules.thresholds.0', problems: ['flagAbove must not be above blockAbove'] },
      {
        field: 'rules.thresholds.1.group',
        problems: ['must be a concept group of the model (finance, health, topic)'],
      },
      { field: 'rules.thresholds.2', problems: ['needs flagAbove, blockAbove or both'] },
    ]);
  });
});

describe('policyRules', () => {
  it('fills an empty policy with empty lists', () => {
    expect(policyRules({})).toEqual(NO_RULES);
  });

  it('keeps what was given and adds nothing: no undefined members to store or hash', () => {
    const rules = policyRules({
      steering: [
        { concept: 'topic.politics_government', mode: 'suppress', weight: undefined },
        { concept: 'health.medication', mode: 'amplify', weight: 0 },
      ],
      thresholds: [
        { group: 'health', flagAbove: 0.25, blockAbove: 0.5 },
        { group: 'finance', flagAbove: undefined, blockAbove: 0 },
      ],
      requiredFields: ['subjectRef'],
    });
    expect(rules).toEqual({
      steering: [
        { concept: 'topic.politics_government', mode: 'suppress' },
        { concept: 'health.medication', mode: 'amplify', weight: 0 },
      ],
      thresholds: [
        { group: 'health', flagAbove: 0.25, blockAbove: 0.5 },
        { group: 'finance', blockAbove: 0 },
      ],
      requiredFields: ['subjectRef'],
    });
    expect(Object.keys(rules.steering[0])).toEqual(['concept', 'mode']);
    expect(Object.keys(rules.thresholds[1])).toEqual(['group', 'blockAbove']);
  });

  it('lists required fields once each, in the order first given', () => {
    expect(
      policyRules({ requiredFields: ['caseId', 'purpose', 'caseId', 'purpose'] }).requiredFields,
    ).toEqual(['caseId', 'purpose']);
  });

  it('makes plain objects of class instances, so that the rules can be hashed', () => {
    class Steering {
      constructor(
        readonly concept: string,
        readonly mode: 'suppress' | 'amplify',
      ) {}
    }
    class Threshold {
      constructor(
        readonly group: string,
        readonly flagAbove: number,
      ) {}
    }
    const input = {
      steering: [new Steering('health.diagnosis', 'suppress')],
      thresholds: [new Threshold('health', 0.5)],
    };
    expect(() => canonicalJson(input)).toThrow(CanonicalJsonError);
    const rules = policyRules(input);
    expect(Object.getPrototypeOf(rules.steering[0])).toBe(Object.prototype);
    expect(Object.getPrototypeOf(rules.thresholds[0])).toBe(Object.prototype);
    expect(canonicalJson(rules)).toBe(
      '{"requiredFields":[],"steering":[{"concept":"health.diagnosis","mode":"suppress"}],' +
        '"thresholds":[{"flagAbove":0.5,"group":"health"}]}',
    );
  });
});

describe('groupShare', () => {
  it('is 0 without chunks, and for a group the chunks do not name', () => {
    expect(groupShare([], 'health')).toBe(0);
    expect(groupShare([chunk(0, [['finance.credit', 'finance', 0.5]])], 'health')).toBe(0);
  });

  it("sums the shares of the group's concepts within a chunk, and only those", () => {
    const c = chunk(0, [
      ['health.diagnosis', 'health', 0.25],
      ['finance.credit', 'finance', 0.5],
      ['health.medication', 'health', 0.125],
    ]);
    expect(groupShare([c], 'health')).toBe(0.375);
    expect(groupShare([c], 'finance')).toBe(0.5);
  });

  it('takes the largest chunk, not the sum or the last of the chunks', () => {
    const chunks = [
      chunk(0, [['health.diagnosis', 'health', 0.125]]),
      chunk(1, [
        ['health.diagnosis', 'health', 0.25],
        ['health.medication', 'health', 0.125],
      ]),
      chunk(2, [['health.medication', 'health', 0.25]]),
    ];
    expect(groupShare(chunks, 'health')).toBe(0.375);
    expect(groupShare([...chunks].reverse(), 'health')).toBe(0.375);
  });
});

describe('rulesSha256', () => {
  const rules: PolicyRules = {
    steering: [{ concept: 'topic.politics_government', mode: 'suppress', weight: 0.5 }],
    thresholds: [{ group: 'health', flagAbove: 0.25, blockAbove: 0.5 }],
    requiredFields: ['caseId'],
  };
  // RFC 8785 by hand: members sorted by name, no whitespace.
  const canonical =
    '{"requiredFields":["caseId"],' +
    '"steering":[{"concept":"topic.politics_government","mode":"suppress","weight":0.5}],' +
    '"thresholds":[{"blockAbove":0.5,"flagAbove":0.25,"group":"health"}]}';
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it('is the SHA-256 (hex) of the canonical JSON of the rules', () => {
    expect(rulesSha256(rules)).toBe(sha256(canonical));
    expect(rulesSha256(rules)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of members (as PostgreSQL jsonb returns them)', () => {
    const reordered: PolicyRules = {
      thresholds: [{ blockAbove: 0.5, group: 'health', flagAbove: 0.25 }],
      requiredFields: ['caseId'],
      steering: [{ weight: 0.5, mode: 'suppress', concept: 'topic.politics_government' }],
    };
    expect(rulesSha256(reordered)).toBe(sha256(canonical));
  });

  it('changes with any rule', () => {
    expect(rulesSha256({ ...rules, requiredFields: [] })).not.toBe(sha256(canonical));
    expect(
      rulesSha256({
        ...rules,
        thresholds: [{ group: 'health', flagAbove: 0.25, blockAbove: 0.75 }],
      }),
    ).not.toBe(sha256(canonical));
  });

  it('of an empty policy is the hash of its three empty lists', () => {
    expect(rulesSha256(NO_RULES)).toBe(
      sha256('{"requiredFields":[],"steering":[],"thresholds":[]}'),
    );
  });
});

describe('evaluatePolicy', () => {
  it('passes everything without a policy, naming none', () => {
    expect(evaluatePolicy(null, [chunk(0, [['health.diagnosis', 'health', 1]])], [])).toEqual({
      policyId: null,
      policyVersion: null,
      rulesSha256: null,
      outcome: 'pass',
      results: [],
    });
  });

  it('passes an empty policy, naming its id, version and rules hash', () => {
    expect(evaluatePolicy(policy({}), [], [])).toEqual({
      policyId: 'policy-1',
      policyVersion: 3,
      rulesSha256: rulesSha256(NO_RULES),
      outcome: 'pass',
      results: [],
    });
  });

  describe('a threshold', () => {
    const share = (...shares: number[]) => [
      chunk(
        0,
        shares.map((s, i): [string, string, number] => [
          i % 2 ? 'health.medication' : 'health.diagnosis',
          'health',
          s,
        ]),
      ),
    ];

    it('passes a share equal to the flag limit: the limit is what is allowed', () => {
      expect(threshold({ flagAbove: 0.25 }, share(0.25))).toEqual({
        outcome: 'pass',
        detail: 'health share 0.2500 within limits',
      });
    });

    it('flags a share just above the flag limit', () => {
      expect(threshold({ flagAbove: 0.25 }, share(0.2500001))).toEqual({
        outcome: 'flag',
        detail: 'health share 0.2500 > flag limit 0.25',
      });
    });

    it('flags on the sum of the group, where no concept alone crosses the limit', () => {
      expect(threshold({ flagAbove: 0.25 }, share(0.125, 0.1875))).toEqual({
        outcome: 'flag',
        detail: 'health share 0.3125 > flag limit 0.25',
      });
    });

    it('passes a group sum that lands exactly on the limit', () => {
      expect(threshold({ flagAbove: 0.25 }, share(0.125, 0.125)).outcome).toBe('pass');
    });

    it('ignores the shares of other groups in the same chunk', () => {
      const chunks = [
        chunk(0, [
          ['health.diagnosis', 'health', 0.125],
          ['finance.credit', 'finance', 0.75],
        ]),
      ];
      expect(threshold({ flagAbove: 0.25, blockAbove: 0.5 }, chunks).outcome).toBe('pass');
    });

    it('judges the largest chunk, not the record as a whole', () => {
      const chunks = [
        chunk(0, [['health.diagnosis', 'health', 0.25]]),
        chunk(1, [['health.diagnosis', 'health', 0.375]]),
        chunk(2, [['health.medication', 'health', 0.125]]),
      ];
      // Summed over chunks (0.75) it would block; the largest chunk (0.375) only flags.
      expect(threshold({ flagAbove: 0.25, blockAbove: 0.5 }, chunks)).toEqual({
        outcome: 'flag',
        detail: 'health share 0.3750 > flag limit 0.25',
      });
    });

    it('flags, not blocks, a share equal to the block limit', () => {
      expect(threshold({ flagAbove: 0.25, blockAbove: 0.5 }, share(0.25, 0.25))).toEqual({
        outcome: 'flag',
        detail: 'health share 0.5000 > flag limit 0.25',
      });
      expect(threshold({ blockAbove: 0.5 }, share(0.5)).outcome).toBe('pass');
    });

    it('blocks a share above the block limit, before looking at the flag limit', () => {
      expect(threshold({ flagAbove: 0.25, blockAbove: 0.5 }, share(0.5, 0.125))).toEqual({
        outcome: 'block',
        detail: 'health share 0.6250 > block limit 0.5',
      });
      expect(threshold({ blockAbove: 0.5 }, share(0.625)).outcome).toBe('block');
    });

    it('with a limit of 0, passes a record without the group and flags any share of it', () => {
      expect(threshold({ flagAbove: 0 }, []).outcome).toBe('pass');
      expect(threshold({ flagAbove: 0 }, share(0)).outcome).toBe('pass');
      expect(threshold({ flagAbove: 0 }, share(0.0001))).toEqual({
        outcome: 'flag',
        detail: 'health share 0.0001 > flag limit 0',
      });
    });
  });

  describe('steering', () => {
    const rules = {
      steering: [
        { concept: 'topic.politics_government', mode: 'suppress' as const },
        { concept: 'health.medication', mode: 'amplify' as const, weight: 0.5 },
      ],
    };

    it('passes each rule the generation applied, concept and mode alike', () => {
      const result = evaluatePolicy(
        policy(rules),
        [],
        [
          { concept: 'health.medication', mode: 'amplify' },
          { concept: 'topic.politics_government', mode: 'suppress' },
          { concept: 'finance.credit', mode: 'suppress' },
        ],
      );
      expect(result.outcome).toBe('pass');
      expect(result.results).toEqual([
        { rule: 'steering:topic.politics_government', outcome: 'pass', detail: 'suppress applied' },
        { rule: 'steering:health.medication', outcome: 'pass', detail: 'amplify applied' },
      ]);
    });

    it('flags a rule the generation did not apply, or applied the other way', () => {
      const result = evaluatePolicy(
        policy(rules),
        [],
        [{ concept: 'topic.politics_government', mode: 'amplify' }],
      );
      expect(result.outcome).toBe('flag');
      expect(result.results).toEqual([
        {
          rule: 'steering:topic.politics_government',
          outcome: 'flag',
          detail: 'the policy asks to suppress topic.politics_government; the generation did not',
        },
        {
          rule: 'steering:health.medication',
          outcome: 'flag',
          detail: 'the policy asks to amplify health.medication; the generation did not',
        },
      ]);
    });
  });

  it('reports every rule, steering first, and takes the worst outcome for the record', () => {
    const rules: PolicyRules = {
      steering: [{ concept: 'topic.politics_government', mode: 'suppress' }],
      thresholds: [
        { group: 'finance', blockAbove: 0.25 },
        { group: 'health', flagAbove: 0.75 },
        { group: 'topic', flagAbove: 0.125 },
      ],
      requiredFields: ['caseId'],
    };
    const chunks = [
      chunk(0, [
        ['finance.credit', 'finance', 0.375],
        ['topic.politics_government', 'topic', 0.125],
      ]),
    ];
    const result = evaluatePolicy({ id: 'p', version: 7, rules }, chunks, []);
    expect(result).toEqual({
      policyId: 'p',
      policyVersion: 7,
      rulesSha256: rulesSha256(rules),
      outcome: 'block',
      results: [
        {
          rule: 'steering:topic.politics_government',
          outcome: 'flag',
          detail: 'the policy asks to suppress topic.politics_government; the generation did not',
        },
        {
          rule: 'threshold:finance',
          outcome: 'block',
          detail: 'finance share 0.3750 > block limit 0.25',
        },
        {
          rule: 'threshold:health',
          outcome: 'pass',
          detail: 'health share 0.0000 within limits',
        },
        {
          rule: 'threshold:topic',
          outcome: 'pass',
          detail: 'topic share 0.1250 within limits',
        },
      ],
    });
  });

  it('flags when the worst rule flags, whatever order the rules come in', () => {
    const chunks = [chunk(0, [['health.diagnosis', 'health', 0.5]])];
    const flagThenPass = evaluatePolicy(
      policy({
        thresholds: [
          { group: 'health', flagAbove: 0.25 },
          { group: 'finance', flagAbove: 0.25 },
        ],
      }),
      chunks,
      [],
    );
    const passThenFlag = evaluatePolicy(
      policy({
        thresholds: [
          { group: 'finance', flagAbove: 0.25 },
          { group: 'health', flagAbove: 0.25 },
        ],
      }),
      chunks,
      [],
    );
    expect([flagThenPass.outcome, passThenFlag.outcome]).toEqual(['flag', 'flag']);
  });
});
