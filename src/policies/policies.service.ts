import { Injectable } from '@nestjs/common';
import { ApplicationsService, ApplicationView } from 'src/applications/applications.service';
import { NotFoundError, ValidationFailedError } from 'src/common/domain-error';
import { AppliedSteering } from 'src/evidence-format/attribution';
import { PolicyResult, RecordChunk, RequestContext } from 'src/evidence-format/record-body';
import { SteeringRequest } from 'src/model-runtime/generation.types';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { PolicyFieldsMissingError } from 'src/policies/policies.errors';
import { PoliciesRepository, PolicyVersion } from 'src/policies/policies.repository';
import {
  evaluatePolicy,
  policyRules,
  PolicyRulesInput,
  policyRulesProblems,
} from 'src/policies/policy-rules';

export interface PolicyView {
  id: string;
  applicationId: string;
  version: number;
  rules: PolicyVersion['rules'];
  createdBy: string | null;
  createdAt: string;
}

/** An application and the policy version in force for it (none: everything passes). */
export interface ApplicationPolicy {
  application: ApplicationView;
  inForce: PolicyVersion | undefined;
}

/** How long an application and its policy in force are reused by the request path. */
const IN_FORCE_TTL_MS = 1_000;

const view = (p: PolicyVersion): PolicyView => ({ ...p, createdAt: p.createdAt.toISOString() });

/**
 * Policies: versioned rules per application, and what the request path asks of them — the
 * fields a request must carry, the steering that applies, and the verdict on a generation.
 */
@Injectable()
export class PoliciesService {
  private readonly inForceCache = new Map<
    string,
    { at: number; value: Promise<ApplicationPolicy | null> }
  >();

  constructor(
    private readonly policies: PoliciesRepository,
    private readonly applications: ApplicationsService,
    private readonly runtime: ModelRuntime,
  ) {}

  /**
   * The application and its policy in force, kept for IN_FORCE_TTL_MS: under load that is one
   * read per application per second instead of two per record. A policy published through this
   * process applies at once; through another, within a second. Records name the version applied.
   * Null when the tenant has no such application.
   */
  forApplication(tenantId: string, applicationId: string): Promise<ApplicationPolicy | null> {
    const key = `${tenantId}/${applicationId}`;
    const cached = this.inForceCache.get(key);
    if (cached && Date.now() - cached.at < IN_FORCE_TTL_MS) return cached.value;
    const value = this.applications
      .findApplication(tenantId, applicationId)
      .then(async (application) =>
        application
          ? { application, inForce: await this.policies.findCurrent(tenantId, applicationId) }
          : null,
      );
    this.inForceCache.set(key, { at: Date.now(), value });
    value.catch(() => this.inForceCache.delete(key));
    return value;
  }

  /** As `forApplication`; a NotFoundError when the tenant has no such application. */
  async requireApplicationPolicy(
    tenantId: string,
    applicationId: string,
  ): Promise<ApplicationPolicy> {
    const found = await this.forApplication(tenantId, applicationId);
    if (!found) throw new NotFoundError('application', applicationId);
    return found;
  }

  /** A request that lacks what the policy requires is refused before anything runs. */
  requireFields(inForce: PolicyVersion | undefined, context: RequestContext): void {
    const missing = (inForce?.rules.requiredFields ?? []).filter((f) => context[f] === null);
    if (inForce && missing.length > 0) throw new PolicyFieldsMissingError(inForce, missing);
  }

  /** The steering a generation runs with: the policy's wins over the request's for a concept. */
  steering(
    inForce: PolicyVersion | undefined,
    requested: SteeringRequest[] = [],
  ): SteeringRequest[] {
    const ruled = new Set(inForce?.rules.steering.map((s) => s.concept));
    return [...requested.filter((s) => !ruled.has(s.concept)), ...(inForce?.rules.steering ?? [])];
  }

  /** The policy's verdict on a generation's chunks (pass, flag or block, rule by rule). */
  evaluate(
    inForce: PolicyVersion | undefined,
    chunks: readonly RecordChunk[],
    steering: readonly AppliedSteering[],
  ): PolicyResult {
    return evaluatePolicy(inForce ?? null, chunks, steering);
  }

  async current(tenantId: string, applicationId: string): Promise<PolicyView> {
    await this.applications.getApplication(tenantId, applicationId);
    const policy = await this.policies.findCurrent(tenantId, applicationId);
    if (!policy) throw new NotFoundError('policy', applicationId);
    return view(policy);
  }

  async versions(tenantId: string, applicationId: string): Promise<PolicyView[]> {
    await this.applications.getApplication(tenantId, applicationId);
    return (await this.policies.listVersions(tenantId, applicationId)).map(view);
  }

  /**
   * Publishes a new version. The structure of `input` is the caller's to check (the HTTP body
   * through `PublishPolicyDto`); what needs the model in service is checked here.
   */
  async publish(
    tenantId: string,
    applicationId: string,
    input: PolicyRulesInput,
    by: string | null,
  ): Promise<PolicyView> {
    await this.applications.getApplication(tenantId, applicationId);
    const problems = policyRulesProblems(input, this.runtime.vocabulary());
    if (problems.length > 0) throw new ValidationFailedError(problems);
    const published = await this.policies.insertVersion(
      tenantId,
      applicationId,
      policyRules(input),
      by,
    );
    // Applies to this process's next request at once.
    this.inForceCache.delete(`${tenantId}/${applicationId}`);
    return view(published);
  }
}
