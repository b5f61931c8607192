import { isEmail, isISO8601 } from 'class-validator';
import type {
  ApiKeyView,
  ApplicationView,
  IssuedApiKey,
} from 'src/applications/applications.service';
import { isScope, Scope, SCOPES } from 'src/access/scopes';
import { DomainError } from 'src/common/domain-error';
import { isSlug, slugify } from 'src/tenants/slug';
import type { TenantView } from 'src/tenants/tenants.service';
import { isRole, Role, ROLES } from 'src/access/roles';
import type {
  GenerationOptions,
  GenerationResult,
  SteeringRequest,
} from 'src/model-runtime/generation.types';
import type { AuditorGrantView, UserView } from 'src/users/users.service';
import type { PublicSigningKey } from 'src/signing/signing-key-provider';
import { citableMatches, detectionFigure, undetected } from 'src/evidence-format/attribution';
import { UUID } from 'src/evidence-format/ids';

/** What the commands need from the application: the three services, by structure. */
export interface AdminServices {
  tenants: {
    create(request: {
      name: string;
      slug?: string;
      adminEmail: string;
    }): Promise<{ tenant: TenantView; admin: { user: UserView; oneTimePassword: string } }>;
    get(tenantId: string): Promise<TenantView>;
    findIdBySlug(slug: string): Promise<string | null>;
  };
  users: {
    createUser(
      tenantId: string,
      request: { email: string; role: Role },
      actor: { userId: null },
    ): Promise<{ user: UserView; oneTimePassword: string }>;
    grantAuditor(
      tenantId: string,
      request: { email: string; validUntil: string; reason?: string },
      actor: { userId: null },
    ): Promise<AuditorGrantView>;
  };
  applications: {
    createApplication(
      tenantId: string,
      request: { name: string; scopes: Scope[]; expiresAt?: string },
      actor: { userId: null },
    ): Promise<{ application: ApplicationView; key: IssuedApiKey }>;
    issueKey(
      tenantId: string,
      applicationId: string,
      request: { scopes: Scope[]; expiresAt?: string },
      actor: { userId: null },
    ): Promise<IssuedApiKey>;
    revokeKey(tenantId: string, idOrPrefix: string, actor: { userId: null }): Promise<ApiKeyView>;
  };
}

/** A finished command: one JSON document for `--json`, and text for people. */
export interface CommandOutput {
  json: Record<string, unknown>;
  text: string;
}

/** Bad command line: reported with a usage hint and exit code 2, before anything is opened. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Invocation =
  | { kind: 'help'; json: boolean; command?: CommandName }
  | { kind: 'run'; json: boolean; command: CommandName; run: CommandRun }
  | { kind: 'model'; json: boolean; command: CommandName; run: ModelRun }
  | { kind: 'signing-keys'; json: boolean; command: CommandName; run: SigningKeysRun };

/** A validated command, waiting for the services. */
export type CommandRun = (services: AdminServices) => Promise<CommandOutput>;

/** What model commands need: the runtime's generate, by structure (no database is opened). */
export interface ModelServices {
  generate(prompt: string, options: GenerationOptions): Promise<GenerationResult>;
}

/** A validated model command, waiting for the loaded model. */
export type ModelRun = (model: ModelServices) => Promise<CommandOutput>;

/** What signing key commands need: the key file itself (no database, no HTTP server). */
export interface SigningKeyServices {
  keys(): Promise<PublicSigningKey[]>;
  rotate(at: Date): Promise<PublicSigningKey>;
}

/** A validated signing key command, waiting for the opened key ring. */
export type SigningKeysRun = (keys: SigningKeyServices) => Promise<CommandOutput>;

interface FlagSpec {
  name: string;
  placeholder: string;
  required: boolean;
  description: string;
}

type Flags = ReadonlyMap<string, string>;

interface CommandSpec {
  summary: string;
  flags: FlagSpec[];
  /** Validates the flags (throwing UsageError) and returns the work to do. */
  prepare(flags: Flags, now: Date): CommandRun;
}

/** A command that runs the model in this process instead of opening the database. */
interface ModelCommandSpec {
  summary: string;
  flags: FlagSpec[];
  model: true;
  prepare(flags: Flags): ModelRun;
}

/** A command that opens only the signing key file. */
interface SigningKeyCommandSpec {
  summary: string;
  flags: FlagSpec[];
  signingKeys: true;
  prepare(flags: Flags, now: Date): SigningKeysRun;
}

type AnyCommandSpec = CommandSpec | ModelCommandSpec | SigningKeyCommandSpec;

// The CLI acts as the platform operator, not as a user of the tenant.
const OPERATOR = { userId: null } as const;

const KEY_REF = /^(iak_)?[a-z0-9]{12}(_[A-Za-z0-9_-]{43})?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const HAS_ZONE = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

const tenantFlag: FlagSpec = {
  name: 'tenant',
  placeholder: 'ID_OR_SLUG',
  required: true,
  description: 'the tenant, by id or slug',
};

function scopesFlag(): FlagSpec {
  return {
    name: 'scopes',
    placeholder: 'a,b',
    required: true,
    description: `comma-separated, from ${SCOPES.join(', ')}`,
  };
}

function expiresFlag(): FlagSpec {
  return {
    name: 'expires',
    placeholder: 'DATE',
    required: false,
    description: 'when the key stops working (default: never)',
  };
}

const ADMIN_COMMANDS = {
  'tenant:create': {
    summary: 'Create a tenant and its first admin (prints the admin one-time password once).',
    flags: [
      { name: 'name', placeholder: 'NAME', required: true, description: 'display name' },
      { name: 'admin-email', placeholder: 'EMAIL', required: true, description: 'first admin' },
      {
        name: 'slug',
        placeholder: 'SLUG',
        required: false,
        description: 'sign-in name of the tenant (default: derived from the name)',
      },
    ],
    prepare(flags) {
      const name = text(flags, 'name', 200);
      const adminEmail = email(flags, 'admin-email');
      const slug = optional(flags, 'slug', (f) => slugValue(f, 'slug'));
      if (slug === undefined && !isSlug(slugify(name))) {
        throw new UsageError(
          `--name: no usable slug can be derived from "${name}"; give one with --slug`,
        );
      }
      return async (s) =>
        tenantCreated(await s.tenants.create({ name, adminEmail, ...(slug ? { slug } : {}) }));
    },
  },
  'user:create': {
    summary: 'Create a user in a tenant (prints their one-time password once).',
    flags: [
      tenantFlag,
      { name: 'email', placeholder: 'EMAIL', required: true, description: 'sign-in email' },
      { name: 'role', placeholder: 'ROLE', required: true, description: ROLES.join(' | ') },
    ],
    prepare(flags) {
      const tenant = tenantRef(flags);
      const request = { email: email(flags, 'email'), role: role(flags) };
      return async (s) => {
        const tenantId = await resolveTenant(s, tenant);
        return userCreated(await s.users.createUser(tenantId, request, OPERATOR));
      };
    },
  },
  'app:create': {
    summary: 'Create an application and its first API key (prints the key once).',
    flags: [
      tenantFlag,
      { name: 'name', placeholder: 'NAME', required: true, description: 'application name' },
      scopesFlag(),
      expiresFlag(),
    ],
    prepare(flags, now) {
      const tenant = tenantRef(flags);
      const name = text(flags, 'name', 120);
      const request = { name, ...keyRequest(flags, now) };
      return async (s) => {
        const tenantId = await resolveTenant(s, tenant);
        const { application, key } = await s.applications.createApplication(
          tenantId,
          request,
          OPERATOR,
        );
        return appCreated(application, key);
      };
    },
  },
  'key:create': {
    summary: 'Issue another API key for an application (prints the key once).',
    flags: [
      tenantFlag,
      { name: 'app', placeholder: 'APP_ID', required: true, description: 'the application id' },
      scopesFlag(),
      expiresFlag(),
    ],
    prepare(flags, now) {
      const tenant = tenantRef(flags);
      const applicationId = uuid(flags, 'app');
      const request = keyRequest(flags, now);
      return async (s) => {
        const tenantId = await resolveTenant(s, tenant);
        return keyCreated(
          await s.applications.issueKey(tenantId, applicationId, request, OPERATOR),
        );
      };
    },
  },
  'key:revoke': {
    summary: 'Revoke an API key at once (idempotent).',
    flags: [
      tenantFlag,
      {
        name: 'key',
        placeholder: 'KEY',
        required: true,
        description: 'key id, its iak_xxxxxxxxxxxx prefix, or the whole key',
      },
    ],
    prepare(flags) {
      const tenant = tenantRef(flags);
      const key = keyRef(flags);
      return async (s) => {
        const tenantId = await resolveTenant(s, tenant);
        return keyRevoked(await s.applications.revokeKey(tenantId, key, OPERATOR));
      };
    },
  },
  'auditor:grant': {
    summary: 'Give an external auditor access until a date.',
    flags: [
      tenantFlag,
      { name: 'email', placeholder: 'EMAIL', required: true, description: 'the auditor user' },
      { name: 'until', placeholder: 'DATE', required: true, description: 'when access ends' },
      { name: 'reason', placeholder: 'TEXT', required: false, description: 'e.g. engagement' },
    ],
    prepare(flags, now) {
      const tenant = tenantRef(flags);
      const request = {
        email: email(flags, 'email'),
        validUntil: futureDate(flags, 'until', now),
        ...optionalEntry(
          'reason',
          optional(flags, 'reason', (f) => text(f, 'reason', 500)),
        ),
      };
      return async (s) => {
        const tenantId = await resolveTenant(s, tenant);
        return auditorGranted(await s.users.grantAuditor(tenantId, request, OPERATOR));
      };
    },
  },
} satisfies Record<string, CommandSpec>;

const MODEL_COMMANDS = {
  generate: {
    summary:
      'Generate with the model in model-store and print the text with its attributions (no database).',
    model: true,
    flags: [
      {
        name: 'prompt',
        placeholder: 'TEXT',
        required: true,
        description: 'what the model continues',
      },
      {
        name: 'max-tokens',
        placeholder: 'N',
        required: false,
        description: 'tokens to write (default 32)',
      },
      {
        name: 'temperature',
        placeholder: 'T',
        required: false,
        description: '0 is greedy (default 0.8)',
      },
      {
        name: 'top-p',
        placeholder: 'P',
        required: false,
        description: 'nucleus mass (default 0.95)',
      },
      {
        name: 'seed',
        placeholder: 'N',
        required: false,
        description: 'same seed, same output (default 0)',
      },
      {
        name: 'suppress',
        placeholder: 'a,b',
        required: false,
        description: 'known concept keys to switch off (with the logit penalty)',
      },
      {
        name: 'amplify',
        placeholder: 'a,b',
        required: false,
        description: 'known concept keys to force on (weight 1)',
      },
    ],
    prepare(flags) {
      const prompt = text(flags, 'prompt', 4000);
      const options: GenerationOptions = {
        ...optionalEntry(
          'maxTokens',
          optional(flags, 'max-tokens', (f) => numberFlag(f, 'max-tokens')),
        ),
        ...optionalEntry(
          'temperature',
          optional(flags, 'temperature', (f) => numberFlag(f, 'temperature')),
        ),
        ...optionalEntry(
          'topP',
          optional(flags, 'top-p', (f) => numberFlag(f, 'top-p')),
        ),
        ...optionalEntry(
          'seed',
          optional(flags, 'seed', (f) => numberFlag(f, 'seed')),
        ),
      };
      const steering: SteeringRequest[] = [
        ...list(flags, 'suppress').map((concept) => ({ concept, mode: 'suppress' as const })),
        ...list(flags, 'amplify').map((concept) => ({ concept, mode: 'amplify' as const })),
      ];
      if (steering.length > 0) options.steering = steering;
      return async (model) => generated(await model.generate(prompt, options));
    },
  },
} satisfies Record<string, ModelCommandSpec>;

// Running processes re-read the key ring every 5 s (KEY_RING_REFRESH_MS): a switch this far
// ahead lets all of them change keys at the same instant, so none signs with a retired key.
const DEFAULT_ROTATION_DELAY_SECONDS = 30;

const SIGNING_KEY_COMMANDS = {
  'signing-key:list': {
    summary: 'List the signing keys with their validity windows (opens the key file only).',
    signingKeys: true,
    flags: [],
    prepare(_flags, now) {
      return async (ring) => signingKeysListed(await ring.keys(), now);
    },
  },
  'signing-key:rotate': {
    summary:
      'Add a new signing key; the current one stops signing when it starts and keeps verifying what it signed.',
    signingKeys: true,
    flags: [
      {
        name: 'delay',
        placeholder: 'SECONDS',
        required: false,
        description: `when the new key starts signing, from now (default ${DEFAULT_ROTATION_DELAY_SECONDS}, so running processes switch together; 0 when none runs)`,
      },
    ],
    prepare(flags, now) {
      const delay =
        optional(flags, 'delay', (f) => wholeNumber(f, 'delay', 86_400)) ??
        DEFAULT_ROTATION_DELAY_SECONDS;
      const at = new Date(now.getTime() + delay * 1000);
      return async (ring) => {
        const added = await ring.rotate(at);
        return signingKeyRotated(added, await ring.keys(), now);
      };
    },
  },
} satisfies Record<string, SigningKeyCommandSpec>;

const COMMANDS = { ...ADMIN_COMMANDS, ...MODEL_COMMANDS, ...SIGNING_KEY_COMMANDS };

export type CommandName = keyof typeof COMMANDS;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

function isCommandName(value: string): value is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, value);
}

const GLOBAL_FLAGS = new Set(['json', 'help']);

/**
 * Turns `argv` (after the script name) into a validated command. Throws UsageError naming the
 * offending flag; nothing here touches the database.
 */
export function parseArgs(argv: readonly string[], now: Date = new Date()): Invocation {
  const json = argv.includes('--json');
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = rest.find(isCommandName);
    return { kind: 'help', json, ...(topic ? { command: topic } : {}) };
  }
  if (first.startsWith('-')) {
    throw new UsageError(`expected a command before ${first}`);
  }
  if (!isCommandName(first)) throw new UsageError(`unknown command "${first}"`);
  const spec: AnyCommandSpec = COMMANDS[first];
  const flags = readFlags(first, spec, rest);
  if (flags.has('help')) return { kind: 'help', json, command: first };
  requireFlags(first, spec, flags);
  try {
    if ('model' in spec) return { kind: 'model', json, command: first, run: spec.prepare(flags) };
    if ('signingKeys' in spec) {
      return { kind: 'signing-keys', json, command: first, run: spec.prepare(flags, now) };
    }
    return { kind: 'run', json, command: first, run: spec.prepare(flags, now) };
  } catch (error) {
    if (error instanceof UsageError && !error.command) throw new UsageError(error.message, first);
    throw error;
  }
}

function readFlags(command: CommandName, spec: AnyCommandSpec, args: readonly string[]): Flags {
  const known = new Set(spec.flags.map((f) => f.name));
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`unexpected argument "${arg}" (flags look like --name value)`, command);
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (flags.has(name)) throw new UsageError(`--${name} is given more than once`, command);
    if (GLOBAL_FLAGS.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`, command);
      flags.set(name, 'true');
      continue;
    }
    if (!known.has(name)) throw new UsageError(`unknown flag --${name} for ${command}`, command);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (args[i + 1] !== undefined && !args[i + 1].startsWith('--')) value = args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`, command);
    flags.set(name, value);
  }
  return flags;
}

function requireFlags(command: CommandName, spec: AnyCommandSpec, flags: Flags): void {
  const missing = spec.flags.filter((f) => f.required && !flags.has(f.name));
  if (missing.length > 0) {
    const names = missing.map((f) => `--${f.name}`).join(', ');
    throw new UsageError(`missing ${names}`, command);
  }
}

// ---- values ----------------------------------------------------------------------------------

function raw(flags: Flags, name: string): string {
  const value = flags.get(name);
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

function optional<T>(flags: Flags, name: string, read: (flags: Flags) => T): T | undefined {
  return flags.has(name) ? read(flags) : undefined;
}

function optionalEntry<K extends string, T>(key: K, value: T | undefined): Partial<Record<K, T>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, T>);
}

function numberFlag(flags: Flags, name: string): number {
  const value = raw(flags, name).trim();
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new UsageError(`--${name}: "${value}" is not a number`);
  return Number(value);
}

function wholeNumber(flags: Flags, name: string, max: number): number {
  const value = raw(flags, name).trim();
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${name}: "${value}" is not a whole number from 0 to ${max}`);
  }
  return Number(value);
}

function list(flags: Flags, name: string): string[] {
  if (!flags.has(name)) return [];
  const values = raw(flags, name)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  if (values.length === 0) throw new UsageError(`--${name}: give at least one concept key`);
  return values;
}

function text(flags: Flags, name: string, max: number): string {
  const value = raw(flags, name).trim();
  if (value.length === 0) throw new UsageError(`--${name} must not be empty`);
  if (value.length > max) throw new UsageError(`--${name} must be at most ${max} characters`);
  return value;
}

function email(flags: Flags, name: string): string {
  const value = raw(flags, name).trim();
  if (value.length > 254 || !isEmail(value)) {
    throw new UsageError(`--${name}: "${value}" is not an email address`);
  }
  return value;
}

function role(flags: Flags): Role {
  const value = raw(flags, 'role').trim();
  if (!isRole(value)) {
    throw new UsageError(`--role: "${value}" is not a role; use one of ${ROLES.join(', ')}`);
  }
  return value;
}

function scopes(flags: Flags): Scope[] {
  const values = raw(flags, 'scopes')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (values.length === 0) throw new UsageError('--scopes: give at least one scope');
  const bad = values.filter((s) => !isScope(s));
  if (bad.length > 0) {
    throw new UsageError(
      `--scopes: ${bad.map((s) => `"${s}"`).join(', ')} ${bad.length === 1 ? 'is not a scope' : 'are not scopes'}; use ${SCOPES.join(', ')}`,
    );
  }
  return [...new Set(values as Scope[])];
}

function keyRequest(flags: Flags, now: Date): { scopes: Scope[]; expiresAt?: string } {
  return {
    scopes: scopes(flags),
    ...optionalEntry(
      'expiresAt',
      optional(flags, 'expires', (f) => futureDate(f, 'expires', now)),
    ),
  };
}

/**
 * ISO 8601 only, so that no date is read in an unexpected order or time zone: a date alone
 * means the end of that day (UTC), since "until 31 March" includes 31 March; a time needs a zone.
 */
export function parseCliDate(value: string): Date | string {
  const trimmed = value.trim();
  if (DATE_ONLY.test(trimmed) && isISO8601(trimmed, { strict: true })) {
    return new Date(`${trimmed}T23:59:59.999Z`);
  }
  if (!isISO8601(trimmed, { strict: true })) {
    return `"${value}" is not a date; use YYYY-MM-DD or an ISO 8601 time such as 2027-03-31T17:00:00Z`;
  }
  if (!HAS_ZONE.test(trimmed)) {
    return `"${value}" has no time zone; add Z or an offset such as +01:00`;
  }
  return new Date(trimmed);
}

function futureDate(flags: Flags, name: string, now: Date): string {
  const parsed = parseCliDate(raw(flags, name));
  if (typeof parsed === 'string') throw new UsageError(`--${name}: ${parsed}`);
  if (parsed.getTime() <= now.getTime()) {
    throw new UsageError(`--${name}: ${parsed.toISOString()} is not in the future`);
  }
  return parsed.toISOString();
}

function slugValue(flags: Flags, name: string): string {
  const value = raw(flags, name).trim();
  if (!isSlug(value)) {
    throw new UsageError(
      `--${name}: "${value}" is not a slug (2 to 63 lower-case letters, digits and hyphens)`,
    );
  }
  return value;
}

type TenantRef = { id: string } | { slug: string };

function tenantRef(flags: Flags): TenantRef {
  const value = raw(flags, 'tenant').trim();
  if (UUID.test(value)) return { id: value.toLowerCase() };
  if (isSlug(value)) return { slug: value };
  throw new UsageError(`--tenant: "${value}" is neither a tenant id (UUID) nor a slug`);
}

function uuid(flags: Flags, name: string): string {
  const value = raw(flags, name).trim();
  if (!UUID.test(value)) throw new UsageError(`--${name}: "${value}" is not an id (UUID)`);
  return value.toLowerCase();
}

function keyRef(flags: Flags): string {
  const value = raw(flags, 'key').trim();
  if (UUID.test(value) || KEY_REF.test(value)) return value;
  // Never echo the value: it may be a mistyped whole key.
  throw new UsageError('--key: not a key id, an iak_xxxxxxxxxxxx prefix or an API key');
}

async function resolveTenant(services: AdminServices, ref: TenantRef): Promise<string> {
  if ('id' in ref) return (await services.tenants.get(ref.id)).id;
  const id = await services.tenants.findIdBySlug(ref.slug);
  if (!id)
    throw new DomainError('not_found', 'tenant_not_found', `no tenant with slug ${ref.slug}`);
  return id;
}

// ---- output ----------------------------------------------------------------------------------

const ONCE = 'It is shown once and is not stored in readable form: hand it over securely now.';

function lines(...parts: string[]): string {
  return `${parts.join('\n')}\n`;
}

function tenantCreated(created: {
  tenant: TenantView;
  admin: { user: UserView; oneTimePassword: string };
}): CommandOutput {
  const { tenant, admin } = created;
  return {
    json: { tenant, admin: admin.user, oneTimePassword: admin.oneTimePassword },
    text: lines(
      `Created tenant "${tenant.name}"`,
      `  tenant id:          ${tenant.id}`,
      `  slug:               ${tenant.slug}`,
      `  admin email:        ${admin.user.email}`,
      `  admin user id:      ${admin.user.id}`,
      `  one-time password:  ${admin.oneTimePassword}`,
      '',
      `${ONCE} The admin must change it at first sign-in.`,
    ),
  };
}

function userCreated(created: { user: UserView; oneTimePassword: string }): CommandOutput {
  const { user, oneTimePassword } = created;
  return {
    json: { user, oneTimePassword },
    text: lines(
      `Created user ${user.email} (${user.role})`,
      `  user id:            ${user.id}`,
      `  one-time password:  ${oneTimePassword}`,
      '',
      `${ONCE} The user must change it at first sign-in.`,
    ),
  };
}

function splitKey(issued: IssuedApiKey): { key: ApiKeyView; apiKey: string } {
  const { key: apiKey, ...key } = issued;
  return { key, apiKey };
}

function keyLines(key: ApiKeyView, apiKey: string): string[] {
  return [
    `  key id:      ${key.id}`,
    `  prefix:      ${key.prefix}`,
    `  scopes:      ${key.scopes.join(', ')}`,
    `  expires:     ${key.expiresAt ?? 'never'}`,
    `  API key:     ${apiKey}`,
    '',
    ONCE,
  ];
}

function appCreated(application: ApplicationView, issued: IssuedApiKey): CommandOutput {
  const { key, apiKey } = splitKey(issued);
  return {
    json: { application, key, apiKey },
    text: lines(
      `Created application "${application.name}"`,
      `  app id:      ${application.id}`,
      ...keyLines(key, apiKey),
    ),
  };
}

function keyCreated(issued: IssuedApiKey): CommandOutput {
  const { key, apiKey } = splitKey(issued);
  return {
    json: { key, apiKey },
    text: lines(`Issued a key for application ${key.applicationId}`, ...keyLines(key, apiKey)),
  };
}

function keyRevoked(key: ApiKeyView): CommandOutput {
  return {
    json: { key },
    text: lines(
      `Key ${key.prefix} (${key.id}) is ${key.status}`,
      `  revoked at:  ${key.revokedAt ?? '-'}`,
    ),
  };
}

function auditorGranted(grant: AuditorGrantView): CommandOutput {
  return {
    json: { grant },
    text: lines(
      `Granted auditor access (${grant.status})`,
      `  grant id:     ${grant.id}`,
      `  user id:      ${grant.userId}`,
      `  valid from:   ${grant.validFrom}`,
      `  valid until:  ${grant.validUntil}`,
      ...(grant.reason ? [`  reason:       ${grant.reason}`] : []),
    ),
  };
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/** A training match's score, and against the base rate when the attribution gives one. */
function matchStrength(m: GenerationResult['chunks'][number]['trainingData']['chunks'][number]) {
  if (m.calibrated === undefined) return m.score.toFixed(2);
  return m.weak
    ? `${m.score.toFixed(2)}, weak: no clearer than chance`
    : `${m.score.toFixed(2)}, ${m.calibrated.toFixed(1)}× the best chance match above the median`;
}

/** ", detected 0.93" or ", not detected 0.12": did the concept's detector find it in the text. */
function detectionNote(concept: { detection?: number }): string {
  if (concept.detection === undefined) return '';
  return `, ${undetected(concept) ? 'not detected' : 'detected'} ${detectionFigure(concept.detection)}`;
}

/** The text with each chunk's attributions, compact enough to read in a terminal. */
function generated(result: GenerationResult): CommandOutput {
  const { model, decoding } = result;
  const chunkLines = result.chunks.flatMap((chunk) => {
    const c = chunk.concepts;
    const known = c.known
      .slice(0, 3)
      .map(
        (k) =>
          `${k.key} ${percent(k.share)}${detectionNote(k)}${k.steered ? ` [${k.steered === 'amplify' ? 'amplified' : 'suppressed'} by steering: forced, not a reason]` : ''}`,
      )
      .join('; ');
    // Whole words, each with its pieces when it has several (the per-piece detail).
    const context = [...chunk.context.words]
      .sort((a, b) => Math.abs(b.logProb) - Math.abs(a.logProb))
      .slice(0, 3)
      .map((w) => {
        const pieces = chunk.context.effects.filter(
          (e) => e.position >= w.start && e.position < w.end,
        );
        const detail =
          pieces.length > 1
            ? ` [${pieces.map((e) => `${JSON.stringify(e.token)} ${signed(e.logProb)}`).join(' ')}]`
            : '';
        return `${JSON.stringify(w.text)} ${signed(w.logProb)}${detail}`;
      })
      .join(', ');
    const sources = Object.entries(chunk.trainingData.sources)
      .sort((a, b) => b[1] - a[1])
      .map(([source, share]) => `${source} ${percent(share)}`)
      .join(', ');
    const [top] = citableMatches(chunk);
    return [
      `chunk ${chunk.index + 1}: ${JSON.stringify(chunk.text)}${chunk.noContent ? ' (no content: nothing to explain)' : ''}`,
      `  concepts:      named ${percent(c.knownShare)}${known ? ` (${known})` : ''}, unnamed ${percent(c.unknownShare)}, unexplained ${percent(c.epsilonShare)}`,
      `  context:       ${context || '-'} (log-prob change when masked)`,
      `  training data: ${sources}${top ? `; most similar ${top.chunk} (${matchStrength(top)})` : ''}`,
    ];
  });
  return {
    json: { ...result },
    text: lines(
      `${result.prompt}[${result.text}]`,
      '',
      `model ${model.name} ${model.version} (manifest ${model.manifestSha256.slice(0, 12)}), seed ${decoding.seed}, temperature ${decoding.temperature}, top-p ${decoding.topP}, stopped by ${decoding.stoppedBy}`,
      ...result.steering.map((s) => `steering: ${s.mode} ${s.concept}`),
      ...chunkLines,
      'Training data is similarity in concept space, not causal influence.',
    ),
  };
}

/** `first`: the ring's first key is current from its creation, even by this very command. */
function signingKeyStatus(key: PublicSigningKey, now: Date, first: boolean): string {
  if (key.validUntil !== null && key.validUntil.getTime() <= now.getTime()) return 'retired';
  if (!first && key.validFrom.getTime() > now.getTime()) return 'scheduled';
  return 'current';
}

function signingKeyView(key: PublicSigningKey, now: Date, first = false) {
  return {
    kid: key.kid,
    status: signingKeyStatus(key, now, first),
    validFrom: key.validFrom.toISOString(),
    validUntil: key.validUntil?.toISOString() ?? null,
  };
}

function signingKeyLine(key: PublicSigningKey, now: Date, first: boolean): string {
  const view = signingKeyView(key, now, first);
  return `  ${view.kid}  ${view.status.padEnd(9)}  ${view.validFrom} .. ${view.validUntil ?? ''}`;
}

function signingKeysListed(keys: PublicSigningKey[], now: Date): CommandOutput {
  return {
    json: { keys: keys.map((k, i) => signingKeyView(k, now, i === 0)) },
    text: lines(
      `${keys.length} signing key${keys.length === 1 ? '' : 's'} (kid, status, valid from .. until)`,
      ...keys.map((k, i) => signingKeyLine(k, now, i === 0)),
    ),
  };
}

function signingKeyRotated(
  added: PublicSigningKey,
  keys: PublicSigningKey[],
  now: Date,
): CommandOutput {
  return {
    json: {
      added: signingKeyView(added, now),
      keys: keys.map((k, i) => signingKeyView(k, now, i === 0)),
    },
    text: lines(
      `Added signing key ${added.kid}; it signs from ${added.validFrom.toISOString()}`,
      'Running processes pick it up from the key file; the previous key keeps verifying.',
      ...keys.map((k, i) => signingKeyLine(k, now, i === 0)),
    ),
  };
}

// ---- usage -----------------------------------------------------------------------------------

function flagUsage(flag: FlagSpec): string {
  const text = `--${flag.name} ${flag.placeholder}`;
  return flag.required ? text : `[${text}]`;
}

/** One line per command: `name --flag VALUE [--optional VALUE]`. */
export function commandSynopsis(command: CommandName): string {
  const spec: AnyCommandSpec = COMMANDS[command];
  return [command, ...spec.flags.map(flagUsage), '[--json]'].join(' ');
}

function commandHelp(command: CommandName): string {
  const spec: AnyCommandSpec = COMMANDS[command];
  const width = Math.max(...spec.flags.map((f) => flagUsage(f).length));
  return [
    `  ${commandSynopsis(command)}`,
    `      ${spec.summary}`,
    ...spec.flags.map((f) => `      ${flagUsage(f).padEnd(width)}  ${f.description}`),
  ].join('\n');
}

/** The whole usage text, or one command's. */
export function usage(command?: CommandName): string {
  const commands = command ? [command] : COMMAND_NAMES;
  return lines(
    'usage: npm run cli -- <command> [--flags] [--json]',
    '',
    ...commands.map(commandHelp),
    '',
    'DATE: YYYY-MM-DD (through the end of that day, UTC) or an ISO 8601 time with a zone.',
    '--json prints one JSON document on stdout (use npm run --silent cli so npm adds nothing).',
    'The database is DATABASE_URL, or the embedded one in DATA_DIR (attached if already running);',
    'generate opens none: it loads MODEL_NAME/MODEL_VERSION from MODEL_STORE_DIR; signing-key',
    'commands open only the key file (SIGNING_KEY_FILE, SIGNING_KEY_PASSPHRASE).',
    'Exit codes: 0 done, 1 failed (e.g. slug taken, database unreachable), 2 bad command line,',
    '78 bad configuration.',
  );
}
