import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_ROLE, appDatabaseUrl, ensureAppRole, scramVerifier } from 'src/database/app-role';
import { dataSourceOptions } from 'src/database/data-source-options';
import { migrateToLatest } from 'src/database/migrator';
import { unique } from 'test/support/auth-fixtures';
import { createTestDatabase, TestDatabase } from 'test/support/test-database';

// The role the service runs as must be one that row-level security binds. These are the ways an
// operator's configuration could quietly break that, each refused at start.

describe('the application database role', () => {
  let db: TestDatabase;
  let admin: Client;
  const roles: string[] = [];

  const loginUrl = (user: string, password: string) => {
    const url = new URL(db.url);
    url.username = user;
    url.password = password;
    return url.toString();
  };
  const newRole = async (attributes: string) => {
    const name = unique('role').replace(/-/g, '_');
    roles.push(name);
    await admin.query(`CREATE ROLE ${name} LOGIN PASSWORD 'pw-${name}' ${attributes}`);
    return { name, url: loginUrl(name, `pw-${name}`) };
  };

  const serverChecksPasswords = async () => {
    const probe = new Client({ connectionString: loginUrl(APP_ROLE, 'certainly-not-it') });
    try {
      await probe.connect();
      await probe.end();
      return false;
    } catch {
      return true;
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const owner = await new DataSource(dataSourceOptions(db.url, 2)).initialize();
    await migrateToLatest(owner);
    await owner.destroy();
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin
      .query(`REASSIGN OWNED BY ${roles.join(', ') || 'CURRENT_USER'} TO CURRENT_USER`)
      .catch(() => undefined);
    for (const role of roles) {
      await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    }
    await admin.end();
    await db.drop();
  });

  it('provisions the derived audit_app login and accepts it', async () => {
    const facts = await ensureAppRole(db.url, appDatabaseUrl(db.url), { provision: true });
    expect(facts).toMatchObject({
      user: APP_ROLE,
      superuser: false,
      bypassRls: false,
      member: true,
      owns: [],
    });
  });

  it('refuses a superuser, and a BYPASSRLS role', async () => {
    const sup = await newRole('SUPERUSER');
    await expect(ensureAppRole(db.url, sup.url, { provision: false })).rejects.toThrow(
      /is a superuser/,
    );
    const bypass = await newRole('BYPASSRLS');
    await admin.query(`GRANT ${APP_ROLE} TO ${bypass.name}`);
    await expect(ensureAppRole(db.url, bypass.url, { provision: false })).rejects.toThrow(
      /BYPASSRLS/,
    );
  });

  it('refuses a role that owns a tenant table, or holds its owner’s rights', async () => {
    const owner = await newRole('');
    await admin.query(`GRANT ${APP_ROLE} TO ${owner.name}`);
    await admin.query(`ALTER TABLE applications OWNER TO ${owner.name}`);
    try {
      await expect(ensureAppRole(db.url, owner.url, { provision: false })).rejects.toThrow(
        /owns .*applications.* exempt from row-level security/,
      );
      const heir = await newRole('');
      await admin.query(`GRANT ${APP_ROLE} TO ${heir.name}`);
      await admin.query(`GRANT ${owner.name} TO ${heir.name}`);
      await expect(ensureAppRole(db.url, heir.url, { provision: false })).rejects.toThrow(
        /applications/,
      );
    } finally {
      await admin.query(`ALTER TABLE applications OWNER TO CURRENT_USER`);
    }
  });

  it('never alters a configured role whose login fails: it reports instead', async () => {
    const ops = await newRole('CREATEDB');
    // With password authentication the login fails; on a server that trusts local connections
    // (CI's) it succeeds and the role is refused for not being a member. Either way: unchanged.
    await expect(
      ensureAppRole(db.url, loginUrl(ops.name, 'mistyped'), { provision: false }),
    ).rejects.toThrow(
      /cannot log in as the application database role|is not a member of audit_app/,
    );
    const after = await admin.query<{ rolcreatedb: boolean; member: boolean }>(
      `SELECT rolcreatedb, pg_has_role(rolname, $2, 'MEMBER') AS member FROM pg_roles WHERE rolname = $1`,
      [ops.name, APP_ROLE],
    );
    expect(after.rows).toEqual([{ rolcreatedb: true, member: false }]);
  });

  it('accepts an ordinary member of audit_app, and sends PostgreSQL only a SCRAM verifier', async () => {
    const ordinary = await newRole('');
    await admin.query(`GRANT ${APP_ROLE} TO ${ordinary.name}`);
    await expect(ensureAppRole(db.url, ordinary.url, { provision: false })).resolves.toMatchObject({
      user: ordinary.name,
    });
    const verifier = scramVerifier('s3cret pass phrase');
    await admin.query(`ALTER ROLE ${ordinary.name} PASSWORD '${verifier}'`);
    const stored = await admin.query<{ rolpassword: string }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [ordinary.name],
    );
    expect(stored.rows[0].rolpassword).toBe(verifier);
    const client = new Client({ connectionString: loginUrl(ordinary.name, 's3cret pass phrase') });
    await client.connect();
    await client.end();
    // Only a server that asks for passwords can show the verifier refuses a wrong one.
    if (await serverChecksPasswords()) {
      const wrong = new Client({ connectionString: loginUrl(ordinary.name, 's3cret pass phrasE') });
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
    }
  });

  it('cannot be fooled by a temporary table shadowing a look-up’s table', async () => {
    const app = new Client({ connectionString: appDatabaseUrl(db.url) });
    await app.connect();
    try {
      await expect(app.query(`CREATE TEMP TABLE tenants (id uuid, slug text)`)).rejects.toThrow(
        /permission denied/,
      );
      const config = await app.query<{ proconfig: string[] }>(
        `SELECT proconfig FROM pg_proc WHERE proname = 'auth_find_session'`,
      );
      expect(config.rows[0].proconfig).toEqual(['search_path=pg_catalog, public, pg_temp']);
    } finally {
      await app.end();
    }
  });
});
