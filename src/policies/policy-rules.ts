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

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isShare = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

/**
 * Checks a policy as an administrator typed it, against the model in service: every concept
 * and group must exist, limits must be shares with flag ≤ block, and nothing unknown may hide in
 * it. Returns the rules with defaults filled, or the problems by field.
 */
export function parsePolicyRules(
  input: unknown,
  model: ModelVocabulary,
): { rules: PolicyRules } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const problem = (field: string, text: string) => problems.push({ field, problems: [text] });
  if (!isObject(input)) return { problems: [{ field: 'rules', problems: ['must be an object'] }] };
  for (const key of Object.keys(input)) {
    if (!['steering', 'thresholds', 'requiredFields'].includes(key)) {
      problem(key, 'is not a policy member (steering, thresholds, requiredFields)');
    }
  }
  const list = (key: string): unknown[] => {
    const value = input[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.length > 64) {
      problem(key, 'must be an array of at most 64 entries');
      return [];
    }
    return value;
  };
  const steering: PolicyRules['steering'] = [];
  const steered = new Set<string>();
  list('steering').forEach((entry, i) => {
    const at = `steering.${i}`;
    if (!isObject(entry)) return problem(at, 'must be an object');
    const { concept, mode, weight, ...rest } = entry;
    if (Object.keys(rest).length > 0)
      problem(at, `has unknown members ${Object.keys(rest).join(', ')}`);
    if (typeof concept !== 'string' || !model.conceptKeys.has(concept)) {
      return problem(
        `${at}.concept`,
        `must name a concept of the model, got ${JSON.stringify(concept)}`,
      );
    }
    if (steered.has(concept)) return problem(`${at}.concept`, `${concept} is steered twice`);
    steered.add(concept);
    if (mode !== 'suppress' && mode !== 'amplify') {
      return problem(`${at}.mode`, 'must be suppress or amplify');
    }
    if (
      weight !== undefined &&
      (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1)
    ) {
      return problem(`${at}.weight`, 'must be a number between 0 and 1');
    }
    steering.push(weight === undefined ? { concept, mode } : { concept, mode, weight });
  });
  const thresholds: PolicyRules['thresholds'] = [];
  list('thresholds').forEach((entry, i) => {
    const at = `thresholds.${i}`;
    if (!isObject(entry)) return problem(at, 'must be an object');
    const { group, flagAbove, blockAbove, ...rest } = entry;
    if (Object.keys(rest).length > 0)
      problem(at, `has unknown members ${Object.keys(rest).join(', ')}`);
    if (typeof group !== 'string' || !model.groups.has(group)) {
      return problem(
        `${at}.group`,
        `must be a concept group of the model (${[...model.groups].sort().join(', ')})`,
      );
    }
    if (flagAbove === undefined && blockAbove === undefined) {
      return problem(at, 'needs flagAbove, blockAbove or both');
    }
    if (flagAbove !== undefined && !isShare(flagAbove)) {
      return problem(`${at}.flagAbove`, 'must be a share between 0 and 1');
    }
    if (blockAbove !== undefined && !isShare(blockAbove)) {
      return problem(`${at}.blockAbove`, 'must be a share between 0 and 1');
    }
    if (isShare(flagAbove) && isShare(blockAbove) && flagAbove > blockAbove) {
      return problem(at, 'flagAbove must not be above blockAbove');
    }
    thresholds.push({
      group,
      ...(flagAbove !== undefined ? { flagAbove: flagAbove } : {}),
      ...(blockAbove !== undefined ? { blockAbove: blockAbove } : {}),
    });
  });
  const requiredFields: RequirableField[] = [];
  list('requiredFields').forEach((entry, i) => {
    if (!(REQUIRABLE_FIELDS as readonly unknown[]).includes(entry)) {
      return problem(`requiredFields.${i}`, `must be one of ${REQUIRABLE_FIELDS.join(', ')}`);
    }
    if (!requiredFields.includes(entry as RequirableField)) {
      requiredFields.push(entry as RequirableField);
    }
  });
  return problems.length > 0 ? { problems } : { rules: { steering, thresholds, requiredFields } };
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
