import { Body, Controller, Get, Header, Post, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from 'src/access/access';
import { IdParam } from 'src/common/id-param';
import { PublishPolicyDto } from 'src/policies/policies.dto';
import { PoliciesService } from 'src/policies/policies.service';
import { ExplorerService } from 'src/portal/explorer.service';
import { lineDiff } from 'src/portal/line-diff';
import { Caller, EDITORS, PEOPLE, PortalCaller } from 'src/portal/portal-caller';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { FieldProblems, readForm } from 'src/portal/portal-forms';
import { frameFor, PortalViews } from 'src/portal/portal-views';

const pretty = (rules: unknown) => JSON.stringify(rules, null, 2);

/** Policies per application: the version in force, its history, a diff, and a new version. */
@ApiExcludeController()
@Controller('policies')
@UseFilters(PortalErrorFilter)
export class PortalPoliciesController {
  constructor(
    private readonly policies: PoliciesService,
    private readonly explorer: ExplorerService,
    private readonly views: PortalViews,
  ) {}

  @Get()
  @Access(PEOPLE)
  @Header('Cache-Control', 'no-store')
  async page(
    @Caller() c: PortalCaller,
    @Query() raw: Record<string, unknown>,
    @Res() res: Response,
  ) {
    await this.send(res, c, raw);
  }

  private async send(
    res: Response,
    c: PortalCaller,
    raw: Record<string, unknown>,
    rejected?: { draft: string; problems: FieldProblems },
  ) {
    const names = await this.explorer.applicationNames(c.principal.tenantId);
    const apps = [...names].map(([id, name]) => ({ id, name }));
    const chosen = apps.find((a) => a.id === raw.application) ?? apps[0];
    const versions = chosen ? await this.policies.versions(c.principal.tenantId, chosen.id) : [];
    const pick = (v: unknown) => versions.find((p) => String(p.version) === v);
    const newer = pick(raw.to) ?? versions[0];
    const older = pick(raw.from) ?? versions.find((p) => newer && p.version === newer.version - 1);
    const frame = frameFor(c.principal, c.csrf, 'Policies', 'policies');
    if (rejected) {
      frame.notice = {
        kind: 'error',
        text: 'The new version was not published: correct the rules below.',
      };
    }
    res
      .status(rejected ? 422 : 200)
      .type('html')
      .send(
        this.views.render('policies', frame, {
          problems: rejected?.problems ?? [],
          apps,
          chosen,
          versions: versions.map((v) => ({ ...v, json: pretty(v.rules) })),
          diff:
            newer && older
              ? {
                  newer: newer.version,
                  older: older.version,
                  lines: lineDiff(pretty(older.rules), pretty(newer.rules)),
                }
              : null,
          draft: rejected
            ? rejected.draft
            : versions[0]
              ? pretty(versions[0].rules)
              : pretty({ steering: [], thresholds: [], requiredFields: [] }),
        }),
      );
  }

  @Post(':applicationId')
  @Access(EDITORS)
  async publish(
    @Caller() c: PortalCaller,
    @IdParam('applicationId') id: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ) {
    const draft = typeof body.rules === 'string' ? body.rules : '';
    let rules: unknown;
    try {
      rules = JSON.parse(draft);
    } catch (error) {
      const problems = [{ field: 'rules', problems: [`is not JSON: ${(error as Error).message}`] }];
      return this.send(res.status(422), c, { application: id }, { draft, problems });
    }
    const { value, problems } = readForm(PublishPolicyDto, { rules });
    // The page comes back with the draft and what is wrong with it, so nothing typed is lost.
    if (problems.length) return this.send(res, c, { application: id }, { draft, problems });
    await this.policies.publish(c.principal.tenantId, id, value.rules, c.principal.userId);
    res.redirect(303, `/policies?application=${id}`);
  }
}
