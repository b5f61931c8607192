import { createHash } from 'node:crypto';
import { FieldProblem } from 'src/common/domain-error';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { PolicyResult, RecordChunk } from 'src/evidence-format/record-body';

export const REQUIRABLE_FIELDS = ['purpose', 'caseId', 'subjectRef'] as const;
export type RequirableField = (typeof REQUIRABLE_FIELDS)[number];

/** What a policy version says. Every member is optional; an empty policy passes everything. */
export interface PolicyRules {
  /** Steering applied to every generation of the application (it wins over the request's). */
  steering: { concept: string; mode: 'suppress' | 'amplify'; weight?: number }[];
  /**
   * Limits on a concept group's share of a chunk (the sum of the shares of the group's named
   * concepts the record lists for the chunk), judged on the record's largest chunk value.
   */
  thresholds: { group: string; flagAbove?: number; blockAbove?: number }[];
  /** Request context members a caller must send; a request without them is refused unrun. */
  requiredFields: RequirableField[];
}

export interface ModelVocabulary {
  conceptKeys: ReadonlySet<string>;
  groups: ReadonlySet<string>;
}

/**
 * A policy as the request body's structure allows it: `PublishPolicyDto` (policies.dto.ts) has
 * checked every member's type and range and refused unknown members. What is left needs the
 * model or several members at once, and is `policyRulesProblems`' to find.
 */
export interface PolicyRulesInput {
  steering?: readonly PolicyRules['steering'][number][];
  thresholds?: readonly PolicyRules['thresholds'][number][];
  requiredFields?: readonly RequirableField[];
}

/**
 * Checks a structurally valid policy against the model in service: every concept and group must
 * exist, no concept may be steered twice, and each threshold needs a limit, its flag limit at
 * most its block limit. Returns the problems by field (`rules.steering.0.concept`), none when
 * the policy can be published.
 */
export function policyRulesProblems(
  input: PolicyRulesInput,
  model: ModelVocabulary,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const problem = (field: string, text: string) =>
    problems.push({ field: `rules.${field}`, problems: [text] });
  const steered = new Set<string>();
  (input.steering ?? []).forEach(({ concept }, i) => {
    if (!model.conceptKeys.has(concept)) {
      problem(
        `steering.${i}.concept`,
        `must name a concept of the model, got ${JSON.stringify(concept)}`,
      );
    } else if (steered.has(concept)) {
      problem(`steering.${i}.concept`, `${concept} is steered twice`);
    }
    steered.add(concept);
  });
  (input.thresholds ?? []).forEach(({ group, flagAbove, blockAbove }, i) => {
    // class-validator judges one member at a time; these need the entry as a whole, and say so
    // at the entry's own path.
    if (!model.groups.has(group)) {
      problem(
        `thresholds.${i}.group`,
        `must be a concept group of the model (${[...model.groups].sort().join(', ')})`,
      );
    } else if (flagAbove === undefined && blockAbove === undefined) {
      problem(`thresholds.${i}`, 'needs flagAbove, blockAbove or both');
    } else if (flagAbove !== undefined && blockAbove !== undefined && flagAbove > blockAbove) {
      problem(`thresholds.${i}`, 'flagAbove must not be above blockAbove');
    }
  });
  return problems;
}

/**
 * The rules to store and hash: every member present, no member a policy cannot hold, required
 * fields once each in the order first given, and only plain objects (canonical JSON refuses the
 * DTO's class instances, rightly: it hashes data, not classes).
 */
export function policyRules(input: PolicyRulesInput): PolicyRules {
  return {
    steering: (input.steering ?? []).map(({ concept, mode, weight }) =>
      weight === undefined ? { concept, mode } : { concept, mode, weight },
    ),
    thresholds: (input.thresholds ?? []).map(({ group, flagAbove, blockAbove }) => ({
      group,
      ...(flagAbove !== undefined ? { flagAbove } : {}),
      ...(blockAbove !== undefined ? { blockAbove } : {}),
    })),
    requiredFields: [...new Set(input.requiredFields ?? [])],
  };
}

/** The largest share a concept group takes of any one chunk, from the concepts the record lists. */
export function groupShare(chunks: readonly RecordChunk[], group: string): number {
  let largest = 0;
  for (const chunk of chunks) {
    const share = chunk.concepts.known
      .filter((c) => c.group === group)
      .reduce((sum, c) => sum + c.share, 0);
    largest = Math.max(largest, share);
  }
  return largest;
}

const SEVERITY = { pass: 0, flag: 1, block: 2 } as const;

/** SHA-256 (hex) of the canonical JSON of a policy's rules: what a record binds itself to. */
export function rulesSha256(rules: PolicyRules): string {
  return createHash('sha256').update(canonicalJson(rules)).digest('hex');
}

/** Judges a record's chunks by a policy version (null: no policy, everything passes). */
export function evaluatePolicy(
  policy: { id: string; version: number; rules: PolicyRules } | null,
  chunks: readonly RecordChunk[],
  applied: readonly { concept: string; mode: 'suppress' | 'amplify' }[],
): PolicyResult {
  if (!policy) {
    return { policyId: null, policyVersion: null, rulesSha256: null, outcome: 'pass', results: [] };
  }
  // The service applies the policy's steering itself; a submitted generation had to.
  const steering = policy.rules.steering.map((rule): PolicyResult['results'][number] =>
    applied.some((a) => a.concept === rule.concept && a.mode === rule.mode)
      ? { rule: `steering:${rule.concept}`, outcome: 'pass', detail: `${rule.mode} applied` }
      : {
          rule: `steering:${rule.concept}`,
          outcome: 'flag',
          detail: `the policy asks to ${rule.mode} ${rule.concept}; the generation did not`,
        },
  );
  const thresholds = policy.rules.thresholds.map((t): PolicyResult['results'][number] => {
    const share = groupShare(chunks, t.group);
    const shown = share.toFixed(4);
    if (t.blockAbove !== undefined && share > t.blockAbove) {
      return {
        rule: `threshold:${t.group}`,
        outcome: 'block',
        detail: `${t.group} share ${shown} > block limit ${t.blockAbove}`,
      };
    }
    if (t.flagAbove !== undefined && share > t.flagAbove) {
      return {
        rule: `threshold:${t.group}`,
        outcome: 'flag',
        detail: `${t.group} share ${shown} > flag limit ${t.flagAbove}`,
      };
    }
    return {
      rule: `threshold:${t.group}`,
      outcome: 'pass',
      detail: `${t.group} share ${shown} within limits`,
    };
  });
  const results = [...steering, ...thresholds];
  const outcome = results.reduce<PolicyResult['outcome']>(
    (worst, r) => (SEVERITY[r.outcome] > SEVERITY[worst] ? r.outcome : worst),
    'pass',
  );
  return {
    policyId: policy.id,
    policyVersion: policy.version,
    rulesSha256: rulesSha256(policy.rules),
    outcome,
    results,
  };
}
