import { Body, Controller, Get, Header, Ip, Post, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access } from 'src/access/access';
import { actorOf } from 'src/access/principal';
import { SCOPES } from 'src/access/scopes';
import { ROLES } from 'src/access/roles';
import { ApplicationsService } from 'src/applications/applications.service';
import { CreateApplicationDto, IssueKeyDto } from 'src/applications/applications.dto';
import { ValidationFailedError } from 'src/common/domain-error';
import { IdParam } from 'src/common/id-param';
import { CreateAuditorGrantDto, CreateUserDto } from 'src/users/users.dto';
import { UsersService } from 'src/users/users.service';
import { ADMINS, Caller, PortalCaller } from 'src/portal/portal-caller';
import { PortalErrorFilter } from 'src/portal/portal-error.filter';
import { dayStart, readForm } from 'src/portal/portal-forms';
import { frameFor, PageFrame, PortalViews } from 'src/portal/portal-views';

type Form = Record<string, unknown>;
const list = (value: unknown): unknown[] =>
  value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value];

/** A secret shown once, on the page that answers the form that made it (never in a URL). */
interface Secret {
  what: string;
  value: string;
}

/**
 * Administration (admins only): people and roles, auditor grants with their expiry, applications
 * and their keys. What is created with a secret (a one-time password, an API key) is shown once
 * in the answer to the form and never again.
 */
@ApiExcludeController()
@Controller('admin')
@UseFilters(PortalErrorFilter)
@Access(ADMINS)
export class PortalAdminController {
  constructor(
    private readonly users: UsersService,
    private readonly applications: ApplicationsService,
    private readonly views: PortalViews,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async page(@Caller() c: PortalCaller, @Res() res: Response) {
    await this.send(res, c);
  }

  @Post('people')
  async addPerson(
    @Caller() c: PortalCaller,
    @Body() body: Form,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(CreateUserDto, body);
    if (problems.length) throw new ValidationFailedError(problems);
    const made = await this.users.createUser(c.principal.tenantId, value, actorOf(c.principal, ip));
    await this.send(res, c, {
      what: `One-time password of ${made.user.email}`,
      value: made.oneTimePassword,
    });
  }

  @Post('people/:userId/disable')
  async disable(
    @Caller() c: PortalCaller,
    @IdParam('userId') id: string,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    await this.users.disable(c.principal.tenantId, id, actorOf(c.principal, ip));
    res.redirect(303, '/admin#people');
  }

  @Post('grants')
  async grant(
    @Caller() c: PortalCaller,
    @Body() body: Form,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(CreateAuditorGrantDto, {
      userId: body.userId,
      validUntil: dayStart(body.validUntil, 1) ?? body.validUntil,
      reason: body.reason,
    });
    if (problems.length) throw new ValidationFailedError(problems);
    await this.users.grantAuditor(c.principal.tenantId, value, actorOf(c.principal, ip));
    res.redirect(303, '/admin#grants');
  }

  @Post('grants/:grantId/revoke')
  async revokeGrant(
    @Caller() c: PortalCaller,
    @IdParam('grantId') id: string,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    await this.users.revokeGrant(c.principal.tenantId, id, actorOf(c.principal, ip));
    res.redirect(303, '/admin#grants');
  }

  @Post('applications')
  async addApplication(
    @Caller() c: PortalCaller,
    @Body() body: Form,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(CreateApplicationDto, {
      name: body.name,
      scopes: list(body.scopes),
    });
    if (problems.length) throw new ValidationFailedError(problems);
    const made = await this.applications.createApplication(
      c.principal.tenantId,
      value,
      actorOf(c.principal, ip),
    );
    await this.send(res, c, { what: `API key of ${made.application.name}`, value: made.key.key });
  }

  @Post('applications/:applicationId/keys')
  async issueKey(
    @Caller() c: PortalCaller,
    @IdParam('applicationId') id: string,
    @Body() body: Form,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    const { value, problems } = readForm(IssueKeyDto, { scopes: list(body.scopes) });
    if (problems.length) throw new ValidationFailedError(problems);
    const key = await this.applications.issueKey(
      c.principal.tenantId,
      id,
      value,
      actorOf(c.principal, ip),
    );
    await this.send(res, c, { what: `New API key ${key.prefix}…`, value: key.key });
  }

  @Post('keys/:keyId/revoke')
  async revokeKey(
    @Caller() c: PortalCaller,
    @IdParam('keyId') id: string,
    @Ip() ip: string,
    @Res() res: Response,
  ) {
    await this.applications.revokeKey(c.principal.tenantId, id, actorOf(c.principal, ip));
    res.redirect(303, '/admin#applications');
  }

  private async send(res: Response, c: PortalCaller, secret?: Secret) {
    const { tenantId } = c.principal;
    const [people, grants, applications] = await Promise.all([
      this.users.list(tenantId),
      this.users.listGrants(tenantId),
      this.applications.listApplications(tenantId),
    ]);
    const keys = await Promise.all(
      applications.map((a) => this.applications.listKeys(tenantId, a.id)),
    );
    const emails = new Map(people.map((p) => [p.id, p.email]));
    const frame: PageFrame = frameFor(c.principal, c.csrf, 'Administration', 'admin');
    res
      .status(secret ? 201 : 200)
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        this.views.render('admin', frame, {
          secret,
          people,
          grants: grants.map((g) => ({ ...g, email: emails.get(g.userId) ?? g.userId })),
          auditors: people.filter((p) => p.role === 'auditor' && !p.disabledAt),
          applications: applications.map((a, i) => ({ ...a, keys: keys[i] })),
          roles: ROLES,
          scopes: SCOPES,
          self: c.principal.userId,
        }),
      );
  }
}
