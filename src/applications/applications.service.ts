import { Injectable } from '@nestjs/common';
import { ApiKeyEntity } from 'src/applications/api-key.entity';
import { apiKeyMatches, apiKeyPrefix, generateApiKey } from 'src/applications/api-key-format';
import { ApplicationEntity } from 'src/applications/application.entity';
import {
  ApiKeyNotFoundError,
  ApplicationNameTakenError,
  ApplicationNotFoundError,
} from 'src/applications/applications.errors';
import { ApplicationsRepository } from 'src/applications/applications.repository';
import { Scope } from 'src/access/scopes';
import { AuthEventsService } from 'src/auth-events/auth-events.service';
import { InvalidApiKeyError } from 'src/applications/applications.errors';
import { Actor, ApplicationPrincipal } from 'src/access/principal';
import { ValidationFailedError } from 'src/common/domain-error';
import { TenantDatabase } from 'src/database/tenant-database';
import { UUID } from 'src/evidence-format/ids';

export interface ApplicationView {
  id: string;
  name: string;
  createdAt: string;
  disabledAt: string | null;
}

export const API_KEY_STATUSES = ['active', 'revoked', 'expired'] as const;

export interface ApiKeyView {
  id: string;
  applicationId: string;
  prefix: string;
  scopes: Scope[];
  status: (typeof API_KEY_STATUSES)[number];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key as returned once, at creation: the only time the secret exists outside the caller. */
export interface IssuedApiKey extends ApiKeyView {
  key: string;
}

export interface KeyRequest {
  scopes: Scope[];
  expiresAt?: string;
}

@Injectable()
export class ApplicationsService {
  constructor(
    private readonly applications: ApplicationsRepository,
    private readonly events: AuthEventsService,
    private readonly db: TenantDatabase,
  ) {}

  async createApplication(
    tenantId: string,
    request: KeyRequest & { name: string },
    actor: Actor,
  ): Promise<{ application: ApplicationView; key: IssuedApiKey }> {
    const expiresAt = futureDate(request.expiresAt);
    return this.db.run(tenantId, async () => {
      if (await this.applications.findApplicationByName(tenantId, request.name)) {
        throw new ApplicationNameTakenError(request.name);
      }
      const app = await this.applications.insertApplication(tenantId, {
        name: request.name,
        createdBy: actor.userId,
      });
      await this.events.record(tenantId, {
        type: 'application.created',
        actorUserId: actor.userId,
        subjectId: app.id,
        ip: actor.ip ?? null,
        details: { name: app.name },
      });
      const key = await this.insertKey(tenantId, app.id, request.scopes, expiresAt, actor);
      return { application: applicationView(app), key };
    });
  }

  async issueKey(
    tenantId: string,
    applicationId: string,
    request: KeyRequest,
    actor: Actor,
  ): Promise<IssuedApiKey> {
    const expiresAt = futureDate(request.expiresAt);
    return this.db.run(tenantId, async () => {
      await this.requireApplication(tenantId, applicationId);
      return this.insertKey(tenantId, applicationId, request.scopes, expiresAt, actor);
    });
  }

  async listApplications(tenantId: string): Promise<ApplicationView[]> {
    return (await this.applications.listApplications(tenantId)).map(applicationView);
  }

  async listKeys(tenantId: string, applicationId: string): Promise<ApiKeyView[]> {
    return this.db.run(tenantId, async () => {
      await this.requireApplication(tenantId, applicationId);
      return (await this.applications.listKeys(tenantId, applicationId)).map(keyView);
    });
  }

  /** By id, or by prefix (what a person reads off a list or a leaked key). Idempotent. */
  async revokeKey(tenantId: string, idOrPrefix: string, actor: Actor): Promise<ApiKeyView> {
    return this.db.run(tenantId, async () => {
      const key = UUID.test(idOrPrefix)
        ? await this.applications.findKey(tenantId, idOrPrefix)
        : await this.applications.findKeyByPrefix(
            tenantId,
            apiKeyPrefix(idOrPrefix) ?? idOrPrefix.replace(/^iak_/, ''),
          );
      if (!key) throw new ApiKeyNotFoundError(idOrPrefix);
      const revoked = await this.applications.revokeKey(tenantId, key.id, actor.userId);
      if (!revoked) return keyView(key);
      await this.events.record(tenantId, {
        type: 'api_key.revoked',
        actorUserId: actor.userId,
        subjectId: key.id,
        ip: actor.ip ?? null,
        details: { prefix: key.prefix, applicationId: key.applicationId },
      });
      return keyView(revoked);
    });
  }

  /**
   * The API key strategy's check, on every request: revocation, expiry and a disabled
   * application take effect on the very next request because nothing is cached.
   */
  async authenticate(rawKey: string): Promise<ApplicationPrincipal> {
    const prefix = apiKeyPrefix(rawKey);
    if (!prefix) throw new InvalidApiKeyError('not an API key of this service');
    const found = await this.applications.findKeyForAuthentication(prefix);
    if (!found || !apiKeyMatches(rawKey, found.keyHash)) {
      throw new InvalidApiKeyError('unknown key');
    }
    if (found.revokedAt) throw new InvalidApiKeyError('the key has been revoked');
    if (found.expiresAt && found.expiresAt.getTime() <= Date.now()) {
      throw new InvalidApiKeyError('the key has expired');
    }
    if (found.applicationDisabledAt) {
      throw new InvalidApiKeyError('the application has been disabled');
    }
    if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > 60_000) {
      await this.applications.touchKey(found.tenantId, found.keyId);
    }
    return {
      kind: 'application',
      tenantId: found.tenantId,
      applicationId: found.applicationId,
      keyId: found.keyId,
      keyPrefix: prefix,
      scopes: found.scopes,
    };
  }

  /** The application, or null when the tenant has none with this id. */
  async findApplication(tenantId: string, id: string): Promise<ApplicationView | null> {
    const app = await this.applications.findApplication(tenantId, id);
    return app ? applicationView(app) : null;
  }

  /** The application; ApplicationNotFoundError when the tenant has none with this id. */
  async getApplication(tenantId: string, id: string): Promise<ApplicationView> {
    return applicationView(await this.requireApplication(tenantId, id));
  }

  private async requireApplication(tenantId: string, id: string): Promise<ApplicationEntity> {
    const app = await this.applications.findApplication(tenantId, id);
    if (!app) throw new ApplicationNotFoundError(id);
    return app;
  }

  private async insertKey(
    tenantId: string,
    applicationId: string,
    scopes: Scope[],
    expiresAt: Date | null,
    actor: Actor,
  ): Promise<IssuedApiKey> {
    const generated = generateApiKey();
    const row = await this.applications.insertKey(tenantId, {
      applicationId,
      prefix: generated.prefix,
      keyHash: generated.hash,
      scopes: [...new Set(scopes)],
      createdBy: actor.userId,
      expiresAt,
    });
    await this.events.record(tenantId, {
      type: 'api_key.created',
      actorUserId: actor.userId,
      subjectId: row.id,
      ip: actor.ip ?? null,
      details: { prefix: row.prefix, applicationId, scopes: row.scopes },
    });
    return { ...keyView(row), key: generated.key };
  }
}

function futureDate(iso: string | undefined): Date | null {
  if (iso === undefined) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || date.getTime() <= Date.now()) {
    throw new ValidationFailedError([
      { field: 'expiresAt', problems: ['expiresAt must be a date in the future'] },
    ]);
  }
  return date;
}

function applicationView(app: ApplicationEntity): ApplicationView {
  return {
    id: app.id,
    name: app.name,
    createdAt: app.createdAt.toISOString(),
    disabledAt: app.disabledAt?.toISOString() ?? null,
  };
}

function keyView(key: ApiKeyEntity): ApiKeyView {
  const expired = key.expiresAt !== null && key.expiresAt.getTime() <= Date.now();
  return {
    id: key.id,
    applicationId: key.applicationId,
    prefix: `iak_${key.prefix}`,
    scopes: key.scopes,
    status: key.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
