import { Injectable } from '@nestjs/common';
import { ApplicationsRepository } from 'src/applications/applications.repository';
import { ValidationFailedError, NotFoundError } from 'src/common/domain-error';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { PoliciesRepository, PolicyVersion } from 'src/policies/policies.repository';
import { policyRules, PolicyRulesInput, policyRulesProblems } from 'src/policies/policy-rules';

export interface PolicyView {
  id: string;
  applicationId: string;
  version: number;
  rules: PolicyVersion['rules'];
  createdBy: string | null;
  createdAt: string;
}

const view = (p: PolicyVersion): PolicyView => ({ ...p, createdAt: p.createdAt.toISOString() });

/** Per-application concept policies: steering, thresholds and required request fields. */
@Injectable()
export class PoliciesService {
  private readonly listeners: ((tenantId: string, applicationId: string) => void)[] = [];

  constructor(
    private readonly policies: PoliciesRepository,
    private readonly applications: ApplicationsRepository,
    private readonly runtime: ModelRuntime,
  ) {}

  /** Called after each publish in this process (caches of the policy in force drop it). */
  onPublished(listener: (tenantId: string, applicationId: string) => void): void {
    this.listeners.push(listener);
  }

  /** The version in force, or undefined when the application has none yet. */
  inForce(tenantId: string, applicationId: string): Promise<PolicyVersion | undefined> {
    return this.policies.current(tenantId, applicationId);
  }

  async current(tenantId: string, applicationId: string): Promise<PolicyView> {
    await this.requireApplication(tenantId, applicationId);
    const policy = await this.policies.current(tenantId, applicationId);
    if (!policy) throw new NotFoundError('policy', applicationId);
    return view(policy);
  }

  async versions(tenantId: string, applicationId: string): Promise<PolicyView[]> {
    await this.requireApplication(tenantId, applicationId);
    return (await this.policies.versions(tenantId, applicationId)).map(view);
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
    await this.requireApplication(tenantId, applicationId);
    const problems = policyRulesProblems(input, this.runtime.vocabulary());
    if (problems.length > 0) throw new ValidationFailedError(problems);
    const rules = policyRules(input);
    const published = await this.policies.publish(tenantId, applicationId, rules, by);
    for (const listener of this.listeners) listener(tenantId, applicationId);
    return view(published);
  }

  private async requireApplication(tenantId: string, applicationId: string): Promise<void> {
    if (!(await this.applications.findApplication(tenantId, applicationId))) {
      throw new NotFoundError('application', applicationId);
    }
  }
}
