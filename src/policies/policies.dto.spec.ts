import { FieldProblem, ValidationFailedError } from 'src/common/domain-error';
import { createValidationPipe } from 'src/common/validation';
import { PolicyRulesDto, PublishPolicyDto } from 'src/policies/policies.dto';
import { PolicyRules, policyRules, rulesSha256 } from 'src/policies/policy-rules';

// The structure of a published policy, through the very ValidationPipe every route uses (strict:
// unknown members are refused). What needs the model is policy-rules.spec.ts's.

const pipe = createValidationPipe();
const validate = (body: unknown) =>
  pipe.transform(body, { type: 'body', metatype: PublishPolicyDto }) as Promise<PublishPolicyDto>;

/** The problems the pipe reports for a body, or a failure when it accepts it. */
async function problemsOf(body: unknown): Promise<FieldProblem[]> {
  try {
    await validate(body);
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.fields;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(body)}`);
}

const rulesProblems = (rules: unknown) => problemsOf({ rules });
const one = (field: string, ...problems: string[]): FieldProblem[] => [{ field, problems }];

const LIST = 'must be an array of at most 64 entries';
const OBJECT = 'each entry must be an object';

describe('PublishPolicyDto', () => {
  describe('accepts', () => {
    it('an empty policy', async () => {
      const dto = await validate({ rules: {} });
      expect(dto.rules).toBeInstanceOf(PolicyRulesDto);
      expect(policyRules(dto.rules)).toEqual({ steering: [], thresholds: [], requiredFields: [] });
    });

    it('a full policy, which the service makes into plain rules to store and hash', async () => {
      const rules: PolicyRules = {
        steering: [
          { concept: 'topic.politics_government', mode: 'suppress' },
          { concept: 'health.medication', mode: 'amplify', weight: 0.5 },
        ],
        thresholds: [
          { group: 'health', flagAbove: 0.25, blockAbove: 0.5 },
          { group: 'finance', blockAbove: 0.75 },
        ],
        requiredFields: ['purpose', 'caseId'],
      };
      const dto = await validate({ rules });
      expect(policyRules(dto.rules)).toEqual(rules);
      expect(rulesSha256(policyRules(dto.rules))).toBe(rulesSha256(rules));
    });

    it('shares and weights at both ends of [0, 1]', async () => {
      await expect(
        validate({
          rules: {
            steering: [
              { concept: 'a', mode: 'suppress', weight: 0 },
              { concept: 'b', mode: 'amplify', weight: 1 },
            ],
            thresholds: [{ group: 'g', flagAbove: 0, blockAbove: 1 }],
          },
        }),
      ).resolves.toBeInstanceOf(PublishPolicyDto);
    });

    it('lists of exactly 64 entries', async () => {
      const steering = Array.from({ length: 64 }, (_, i) => ({
        concept: `c${i}`,
        mode: 'amplify',
      }));
      const thresholds = Array.from({ length: 64 }, () => ({ group: 'g', flagAbove: 0.5 }));
      const requiredFields = Array.from({ length: 64 }, () => 'caseId');
      await expect(
        validate({ rules: { steering, thresholds, requiredFields } }),
      ).resolves.toBeInstanceOf(PublishPolicyDto);
    });
  });

  describe('refuses', () => {
    it.each([[undefined], ['rules'], [[]], [null], [7]])(
      'rules %j, saying so once',
      async (rules) => {
        expect(await problemsOf(rules === undefined ? {} : { rules })).toEqual(
          one('rules', 'rules must be an object'),
        );
      },
    );

    it('members other than rules, and policy members other than the three', async () => {
      expect(await problemsOf({ rules: { stearing: [], limits: {} }, version: 2 })).toEqual([
        { field: 'version', problems: ['property version should not exist'] },
        { field: 'rules.stearing', problems: ['property stearing should not exist'] },
        { field: 'rules.limits', problems: ['property limits should not exist'] },
      ]);
    });

    describe.each(['steering', 'thresholds', 'requiredFields'])('%s', (member) => {
      const entry = {
        steering: { concept: 'a', mode: 'suppress' },
        thresholds: { group: 'g', flagAbove: 0.5 },
        requiredFields: 'caseId',
      }[member];
      const entries =
        member === 'requiredFields'
          ? 'each entry must be one of purpose, caseId, subjectRef'
          : OBJECT;

      it('with 65 entries', async () => {
        const list = Array.from({ length: 65 }, () => entry);
        expect(await rulesProblems({ [member]: list })).toEqual(one(`rules.${member}`, LIST));
      });

      it.each([[null], ['caseId'], [7]])('that is %j', async (value) => {
        const problems =
          member === 'requiredFields' && value === 'caseId' ? [LIST] : [LIST, entries];
        expect(await rulesProblems({ [member]: value })).toEqual(
          one(`rules.${member}`, ...problems),
        );
      });
    });

    describe('a steering entry', () => {
      const steer = (...entries: unknown[]) => rulesProblems({ steering: entries });

      it.each([[null], ['health.diagnosis'], [7]])('that is %j, not an object', async (entry) => {
        expect(await steer({ concept: 'a', mode: 'suppress' }, entry)).toEqual(
          one('rules.steering.1', OBJECT),
        );
      });

      it('that is a list, even of valid entries', async () => {
        expect(await steer([{ concept: 'a', mode: 'suppress' }])).toEqual(
          one('rules.steering', 'each entry must be an object, not an array'),
        );
      });

      it('with members other than concept, mode and weight', async () => {
        expect(await steer({ concept: 'a', mode: 'suppress', penalty: 2 })).toEqual(
          one('rules.steering.0.penalty', 'property penalty should not exist'),
        );
      });

      it.each([
        [7, 'got 7'],
        [undefined, 'got undefined'],
        [null, 'got null'],
        [['a'], 'got ["a"]'],
      ])('with concept %j', async (concept, got) => {
        expect(await steer({ concept, mode: 'suppress' })).toEqual(
          one('rules.steering.0.concept', `must name a concept of the model, ${got}`),
        );
      });

      it.each(['SUPPRESS', 'remove', undefined, 1])('with mode %j', async (mode) => {
        expect(await steer({ concept: 'a', mode })).toEqual(
          one('rules.steering.0.mode', 'must be suppress or amplify'),
        );
      });

      it.each([-0.01, 1.01, Number.NaN, Infinity, '0.5', null])(
        'with weight %p',
        async (weight) => {
          expect(await steer({ concept: 'a', mode: 'amplify', weight })).toEqual(
            one('rules.steering.0.weight', 'must be a number between 0 and 1'),
          );
        },
      );
    });

    describe('a threshold entry', () => {
      const limit = (...entries: unknown[]) => rulesProblems({ thresholds: entries });

      it.each([[null], ['health'], [0.5]])('that is %j, not an object', async (entry) => {
        expect(await limit(entry)).toEqual(one('rules.thresholds.0', OBJECT));
      });

      it('with members other than group, flagAbove and blockAbove', async () => {
        expect(await limit({ group: 'g', flagAbove: 0.5, warnAbove: 0.25 })).toEqual(
          one('rules.thresholds.0.warnAbove', 'property warnAbove should not exist'),
        );
      });

      it.each([3, undefined, null])('with group %j', async (group) => {
        expect(await limit({ group, flagAbove: 0.5 })).toEqual(
          one('rules.thresholds.0.group', 'must be a string naming a concept group of the model'),
        );
      });

      it.each(['flagAbove', 'blockAbove'])(
        'with %s outside [0, 1] or not a number',
        async (key) => {
          for (const value of [-0.125, 1.125, Number.NaN, Infinity, '0.5', null]) {
            expect(await limit({ group: 'g', [key]: value })).toEqual(
              one(`rules.thresholds.0.${key}`, 'must be a share between 0 and 1'),
            );
          }
        },
      );
    });

    it.each([['name'], ['caseID'], [null], [['caseId']]])(
      'requiredFields entry %j',
      async (field) => {
        expect(await rulesProblems({ requiredFields: ['purpose', field] })).toEqual(
          one('rules.requiredFields', 'each entry must be one of purpose, caseId, subjectRef'),
        );
      },
    );

    it('reporting every problem at once, by field', async () => {
      expect(
        await rulesProblems({
          steering: [{ concept: 'a', mode: 'suppress' }, { concept: 'b' }],
          thresholds: [{ group: 'g', flagAbove: 2 }],
          requiredFields: ['who'],
          extra: 1,
        }),
      ).toEqual([
        { field: 'rules.extra', problems: ['property extra should not exist'] },
        { field: 'rules.steering.1.mode', problems: ['must be suppress or amplify'] },
        { field: 'rules.thresholds.0.flagAbove', problems: ['must be a share between 0 and 1'] },
        {
          field: 'rules.requiredFields',
          problems: ['each entry must be one of purpose, caseId, subjectRef'],
        },
      ]);
    });
  });
});
