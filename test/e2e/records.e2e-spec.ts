import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { LogService } from 'src/log/log.service';
import { ModelRuntime } from 'src/model-runtime/model-runtime';
import { RECORD_BODY_SCHEMA } from 'src/evidence-format/record-schema';
import { validateRecordBody } from 'src/records/submitted-record';
import { leafHash } from 'src/evidence-format/merkle';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { RecordBody } from 'src/evidence-format/record-body';
import { call, newWorld, World } from 'test/support/auth-fixtures';
import { submittedPayload } from 'test/support/submitted-payload';
import { logSizeOf, postAsApplication } from 'test/support/records-fixtures';
import { createTestApp, TestApp } from 'test/support/test-app';

const code = (res: request.Response) => (res.body as { error?: { code: string } }).error?.code;

interface Generation {
  text: string;
  recordId: string;
  logIndex: number;
  leafHash: string;
  signature: string;
  keyId: string;
  replayed: boolean;
}

/** Runs the standalone verifier as an auditor would, on files; returns its exit code and output. */
function auditVerify(args: string[]): { status: number; output: string } {
  try {
    const output = execFileSync(
      process.execPath,
      ['-r', '@swc-node/register', 'src/verifier/audit-verify.ts', ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { status: 0, output };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

describe('records: generation through the service, signed, logged and verifiable offline', () => {
  let t: TestApp;
  let w: World;
  let owner: Client;
  let dir: string;
  const generate = (body: object, idempotencyKey?: string) =>
    postAsApplication(t, '/v1/generations', w.keys.generate.key, body, idempotencyKey);
  const logSize = () => logSizeOf(owner, w.tenantId);

  /**
   * As an auditor would: the signed entry, the JWKS and the entry's inclusion proof (with its
   * checkpoint) written to files, then `audit-verify inclusion` run on them.
   */
  async function verifyInclusionOffline(name: string, entry: object, recordId: string) {
    const jwks = await request(t.app.getHttpServer()).get('/.well-known/jwks.json');
    const proof = await call(
      t,
      'get',
      `/v1/log/entries/${recordId}/inclusion-proof`,
      w.people.compliance_officer,
    );
    expect(proof.status).toBe(200);
    const files = {
      entry: join(dir, `${name}-entry.json`),
      keys: join(dir, `${name}-jwks.json`),
      proof: join(dir, `${name}-proof.json`),
      checkpoint: join(dir, `${name}-checkpoint.txt`),
    };
    writeFileSync(files.entry, JSON.stringify(entry));
    writeFileSync(files.keys, JSON.stringify(jwks.body));
    writeFileSync(files.proof, JSON.stringify(proof.body));
    writeFileSync(files.checkpoint, (proof.body as { checkpoint: string }).checkpoint);
    const verified = auditVerify(
      ['inclusion', '--entry', files.entry, '--proof', files.proof].concat([
        '--checkpoint',
        files.checkpoint,
        '--keys',
        files.keys,
      ]),
    );
    return { files, verified };
  }

  beforeAll(async () => {
    t = await createTestApp({ runWorkers: false });
    w = await newWorld(t);
    owner = new Client({ connectionString: t.database.url });
    await owner.connect();
    dir = mkdtempSync(join(tmpdir(), 'records-e2e-'));
  });
  afterAll(async () => {
    await owner.end();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns the text only with a committed record that an auditor verifies offline', async () => {
    const res = await generate({
      prompt: 'The treasury will',
      maxTokens: 12,
      seed: 7,
      context: { purpose: 'test', caseId: 'CASE-1', solelyAutomatedDecision: false },
    });
    expect(res.status).toBe(201);
    const g = res.body as Generation;
    expect(g.text.length).toBeGreaterThan(0);

    const read = await call(t, 'get', `/v1/records/${g.recordId}`, w.people.compliance_officer);
    expect(read.status).toBe(200);
    const record = read.body as {
      entry: { body: Record<string, unknown>; leafHash: string; signature: string; keyId: string };
      text: { output: string; prompt: string };
    };
    expect(record.text).toMatchObject({ prompt: 'The treasury will', output: g.text });
    expect(record.entry.leafHash).toBe(g.leafHash);
    expect(leafHash(Buffer.from(canonicalJson(record.entry.body))).toString('base64')).toBe(
      g.leafHash,
    );
    expect(validateRecordBody(record.entry.body)).toEqual([]);
    // The body holds commitments, not the text.
    expect(JSON.stringify(record.entry.body)).not.toContain('treasury');
    expect(record.entry.body).toMatchObject({
      kind: 'record',
      tenant: w.tenantId,
      logIndex: g.logIndex,
      provenance: 'generated',
      request: { caseId: 'CASE-1' },
    });

    const { files, verified } = await verifyInclusionOffline('first', record.entry, g.recordId);
    expect(verified).toMatchObject({ status: 0 });

    // The log only grew between two signed checkpoints: audit-verify checks the consistency
    // proof the API serves, against both notes, from files.
    const older = (await call(t, 'post', '/v1/log/checkpoints', w.people.admin)).body as {
      size: number;
      checkpoint: string;
    };
    await generate({ prompt: 'The treasury will', maxTokens: 4, seed: 8 });
    const newer = (await call(t, 'post', '/v1/log/checkpoints', w.people.admin)).body as {
      size: number;
      checkpoint: string;
    };
    expect(newer.size).toBeGreaterThan(older.size);
    const consistency = await call(
      t,
      'get',
      `/v1/log/consistency-proof?from=${older.size}&to=${newer.size}`,
      w.people.auditor,
    );
    expect(consistency.status).toBe(200);
    const [oldFile, newFile, proofFile] = ['old.txt', 'new.txt', 'consistency.json'].map((f) =>
      join(dir, f),
    );
    writeFileSync(oldFile, older.checkpoint);
    writeFileSync(newFile, newer.checkpoint);
    writeFileSync(proofFile, JSON.stringify(consistency.body));
    const args = ['consistency', '--proof', proofFile, '--old', oldFile, '--new', newFile];
    expect(auditVerify([...args, '--keys', files.keys])).toMatchObject({ status: 0 });
    // Swapped checkpoints are refused.
    expect(
      auditVerify([
        'consistency',
        '--proof',
        proofFile,
        '--old',
        newFile,
        '--new',
        oldFile,
        '--keys',
        files.keys,
      ]),
    ).toMatchObject({ status: 1 });

    // One changed character of the body: the verifier fails and says so.
    const tampered = { ...record.entry, body: { ...record.entry.body, logIndex: g.logIndex + 1 } };
    writeFileSync(files.entry, JSON.stringify(tampered));
    const refused = auditVerify(['record', '--entry', files.entry, '--keys', files.keys]);
    expect(refused.status).toBe(1);
    expect(refused.output).toMatch(/FAIL/);
  });

  it('marks a concept the request forced as steered in the signed record, and only that one', async () => {
    const concept = 'finance.banking';
    const res = await generate({
      prompt: 'The committee met on',
      maxTokens: 16,
      seed: 5,
      steering: [{ concept, mode: 'amplify', weight: 1 }],
    });
    expect(res.status).toBe(201);
    const { recordId } = res.body as Generation;
    const read = await call(t, 'get', `/v1/records/${recordId}`, w.people.compliance_officer);
    const body = (read.body as { entry: { body: RecordBody } }).entry.body;
    expect(validateRecordBody(body)).toEqual([]);
    expect(body.steering).toEqual([
      expect.objectContaining({ concept, mode: 'amplify', weight: 1 }),
    ]);
    // Forced at weight 1 at every position, the concept is among each chunk's named concepts,
    // marked as forced: never a reason drawn from the input. No other concept carries the mark.
    for (const chunk of body.chunks) {
      expect(chunk.concepts.methodVersion).toBe(3);
      const listed = chunk.concepts.known.filter((k) => k.key === concept);
      expect(listed).toEqual([expect.objectContaining({ key: concept, steered: 'amplify' })]);
      const marked = chunk.concepts.known.filter((k) => k.steered !== undefined);
      expect(marked.map((k) => k.key)).toEqual([concept]);
    }
  });

  it('answers a retry with the same Idempotency-Key with the same record, never a second one', async () => {
    const body = { prompt: 'The licence', maxTokens: 6, seed: 3 };
    const first = await generate(body, 'retry-key-0001');
    const before = await logSize();
    const again = await generate(body, 'retry-key-0001');
    expect([first.status, again.status]).toEqual([201, 201]);
    const [a, b] = [first.body as Generation, again.body as Generation];
    expect(b).toEqual({ ...a, replayed: true });
    expect(await logSize()).toBe(before);
    const other = await generate({ ...body, seed: 4 }, 'retry-key-0001');
    expect([other.status, code(other)]).toEqual([409, 'idempotency_key_reused']);
  });

  it('refuses bad input with a 422 naming the field, and writes nothing', async () => {
    const before = await logSize();
    const cases: [object, RegExp][] = [
      [{ prompt: '' }, /prompt/],
      [{ prompt: 'x', maxTokens: 0 }, /maxTokens/],
      [{ prompt: 'x', temperature: -1 }, /temperature/],
      [{ prompt: 'x', steering: [{ concept: 'no.such_concept', mode: 'suppress' }] }, /steering/],
      [{ prompt: 'x', context: { solelyAutomatedDecision: 'yes' } }, /solelyAutomatedDecision/],
      // Text PostgreSQL or canonical JSON cannot hold: refused up front, not a 500 later.
      [{ prompt: 'x', context: { caseId: 'a\u0000b' } }, /context\.caseId.*NUL/],
      [{ prompt: 'The \ud800 patient' }, /prompt.*surrogate/],
    ];
    for (const [body, field] of cases) {
      const res = await generate(body);
      expect({ status: res.status, body: JSON.stringify(res.body) }).toMatchObject({
        status: 422,
        body: expect.stringMatching(field) as string,
      });
    }
    const badKey = await generate({ prompt: 'x' }, 'no');
    expect([badKey.status, code(badKey)]).toEqual([422, 'validation_failed']);
    expect(await logSize()).toBe(before);
  });

  it('applies the application policy: required fields, steering, flag and block', async () => {
    // The generate key's application, as its records name it.
    const first = (await generate({ prompt: 'The', maxTokens: 2 })).body as Generation;
    const read = await call(t, 'get', `/v1/records/${first.recordId}`, w.people.admin);
    const appId = (read.body as { applicationId: string }).applicationId;
    const publish = (rules: object) =>
      call(t, 'post', `/v1/applications/${appId}/policies`, w.people.compliance_officer, {
        rules,
      });
    const before = await logSize();
    const v1 = await publish({ requiredFields: ['caseId'] });
    expect(v1.status).toBe(201);
    const unrun = await generate({ prompt: 'The health of', maxTokens: 4 });
    expect([unrun.status, code(unrun)]).toEqual([422, 'policy_fields_missing']);
    expect(JSON.stringify(unrun.body)).toMatch(/context\.caseId/);
    expect(await logSize()).toBe(before);

    // Flag whenever any group has a positive share: the record says which groups and why.
    const groups = [
      'health',
      'finance',
      'legal',
      'safety',
      'demographic',
      'pii',
      'tone',
      'topic',
      'form',
    ];
    const v2 = await publish({
      steering: [{ concept: 'topic.politics_government', mode: 'suppress' }],
      thresholds: groups.map((group) => ({ group, flagAbove: 0 })),
    });
    expect((v2.body as { version: number }).version).toBe(2);
    const request1 = { prompt: 'The health of the nation', maxTokens: 10, seed: 11 };
    const flagged = await generate(request1);
    expect(flagged.status).toBe(201);
    const f = flagged.body as Generation & {
      policy: {
        policyVersion: number;
        outcome: string;
        results: { rule: string; outcome: string; detail: string }[];
      };
    };
    expect(f.policy).toMatchObject({ policyVersion: 2, outcome: 'flag' });
    const record = (await call(t, 'get', `/v1/records/${f.recordId}`, w.people.admin)).body as {
      entry: { body: { steering: { concept: string; mode: string }[]; policy: unknown } };
    };
    expect(record.entry.body.policy).toEqual(f.policy);
    expect(record.entry.body.steering).toEqual([
      expect.objectContaining({ concept: 'topic.politics_government', mode: 'suppress' }),
    ]);

    // Block just under the largest group share that request reached: the same seeded request
    // crosses it, is recorded, and its text is withheld.
    const top = f.policy.results
      .filter((r) => r.rule.startsWith('threshold:'))
      .map((r) => ({
        group: r.rule.replace('threshold:', ''),
        share: Number(/share ([\d.]+)/.exec(r.detail)?.[1]),
      }))
      .sort((a, b) => b.share - a.share)[0];
    expect(top.share).toBeGreaterThan(0);
    await publish({
      steering: [{ concept: 'topic.politics_government', mode: 'suppress' }],
      thresholds: [{ group: top.group, blockAbove: top.share / 2 }],
    });
    const sizeBefore = await logSize();
    const refused = await generate(request1);
    expect([refused.status, code(refused)]).toEqual([403, 'policy_blocked']);
    expect(refused.body).not.toHaveProperty('text');
    expect(JSON.stringify(refused.body)).not.toContain(f.text);
    const details = (
      refused.body as { error: { details: { recordId: string; policyVersion: number } } }
    ).error.details;
    expect(details.policyVersion).toBe(3);
    expect(await logSize()).toBe(sizeBefore + 1);
    const blockedRecord = await call(t, 'get', `/v1/records/${details.recordId}`, w.people.admin);
    expect((blockedRecord.body as { policyOutcome: string }).policyOutcome).toBe('block');
    expect((blockedRecord.body as { text: { output: string } }).text.output).toBe(f.text);
    // An application cannot read a blocked output back through the records API.
    const byKey = await call(t, 'get', `/v1/records/${details.recordId}`, {
      key: w.keys['records:read'].key,
    });
    expect([byKey.status, (byKey.body as { text: unknown }).text]).toEqual([200, null]);
    expect(JSON.stringify(byKey.body)).not.toContain(f.text);

    const search = await call(t, 'get', '/v1/records?policyOutcome=block', w.people.auditor);
    expect((search.body as { records: { id: string }[] }).records.map((r) => r.id)).toEqual([
      details.recordId,
    ]);
    await publish({});
  });

  it('logs reads by people, reviews and erasure as entries naming the record', async () => {
    const g = (
      await generate({
        prompt: 'The patient',
        maxTokens: 8,
        seed: 5,
        context: { caseId: 'CASE-9' },
      })
    ).body as Generation;
    const size0 = await logSize();
    const byKey = await call(t, 'get', `/v1/records/${g.recordId}`, {
      key: w.keys['records:read'].key,
    });
    expect(byKey.status).toBe(200);
    expect(await logSize()).toBe(size0);
    const read = await call(t, 'get', `/v1/records/${g.recordId}`, w.people.auditor);
    expect(read.status).toBe(200);
    expect(await logSize()).toBe(size0 + 1);
    type Related = {
      body: { kind: string; record: { id: string }; by: { userId: string }; reason?: string };
    }[];
    const related = (read.body as { related: Related }).related;
    expect(related.map((e) => [e.body.kind, e.body.record.id, e.body.by.userId])).toEqual([
      ['access', g.recordId, w.people.auditor.userId],
    ]);

    const review = await call(
      t,
      'post',
      `/v1/records/${g.recordId}/reviews`,
      w.people.compliance_officer,
      {
        verdict: 'needs_follow_up',
        note: 'check the dosage against the formulary',
      },
    );
    expect(review.status).toBe(201);
    const badReview = await call(t, 'post', `/v1/records/${g.recordId}/reviews`, w.people.admin, {
      verdict: 'fine',
    });
    expect([badReview.status, code(badReview)]).toEqual([422, 'validation_failed']);
    const noteless = await call(t, 'post', `/v1/records/${g.recordId}/reviews`, w.people.admin, {
      type: 'correction',
    });
    expect(JSON.stringify(noteless.body)).toMatch(/note/);
    const correction = await call(t, 'post', `/v1/records/${g.recordId}/reviews`, w.people.admin, {
      type: 'correction',
      note: 'the dose is per day, not per hour',
    });
    expect(correction.status).toBe(201);
    expect((correction.body as { body: object }).body).toMatchObject({
      kind: 'review',
      type: 'correction',
      verdict: null,
      record: { id: g.recordId },
    });

    const erased = await call(t, 'post', `/v1/records/${g.recordId}/erasure`, w.people.admin, {
      reason: 'GDPR Art. 17 request from the data subject',
    });
    expect(erased.status).toBe(201);
    const again = await call(t, 'post', `/v1/records/${g.recordId}/erasure`, w.people.admin, {
      reason: 'twice',
    });
    expect([again.status, code(again)]).toEqual([409, 'record_already_erased']);

    const after = await call(t, 'get', `/v1/records/${g.recordId}`, w.people.compliance_officer);
    const view = after.body as {
      text: unknown;
      entry: { body: object; leafHash: string };
      related: Related;
    };
    expect(view.text).toBeNull();
    expect(view.related.map((e) => e.body.kind)).toEqual([
      'access',
      'review',
      'review',
      'erasure',
      'access',
    ]);
    expect(JSON.stringify(view)).not.toContain(g.text);
    // The body and its proofs still verify, offline.
    expect(leafHash(Buffer.from(canonicalJson(view.entry.body))).toString('base64')).toBe(
      g.leafHash,
    );
    expect((await verifyInclusionOffline('erased', view.entry, g.recordId)).verified).toMatchObject(
      {
        status: 0,
      },
    );
    expect((await t.app.get(LogService).verifyLog(w.tenantId)).problem).toBeNull();
    const keys = await owner.query(`SELECT 1 FROM record_text_keys WHERE record_id = $1`, [
      g.recordId,
    ]);
    expect(keys.rowCount).toBe(0);
  });

  it("records an application's own generation after validating it strictly", async () => {
    const result = await t.app
      .get(ModelRuntime)
      .generate('The licence grants', { maxTokens: 10, seed: 2, chunkTokens: 4 });
    const payload = submittedPayload(result, { purpose: 'licence review', caseId: 'LIC-7' });
    const submit = (body: object, key?: string) => {
      const req = request(t.app.getHttpServer())
        .post('/v1/records')
        .set('Authorization', `Bearer ${w.keys['records:submit'].key}`);
      if (key) req.set('Idempotency-Key', key);
      return req.send(body);
    };
    const before = await logSize();
    const bad = JSON.parse(JSON.stringify(payload)) as typeof payload;
    bad.chunks[1].concepts.known[0].share = 1.5;
    const refused = await submit(bad);
    expect([refused.status, code(refused)]).toEqual([422, 'validation_failed']);
    expect(JSON.stringify(refused.body)).toContain('chunks.1.concepts.known.0.share');
    const extra = await submit({ ...payload, secret: 'x' });
    expect(JSON.stringify(extra.body)).toContain('secret');
    expect(await logSize()).toBe(before);

    const ok = await submit(payload, 'submit-key-0001');
    expect(ok.status).toBe(201);
    const s = ok.body as Omit<Generation, 'text'>;
    expect(ok.body).not.toHaveProperty('text');
    const again = await submit(payload, 'submit-key-0001');
    expect(again.body).toEqual({ ...s, replayed: true });
    const read = await call(t, 'get', `/v1/records/${s.recordId}`, w.people.admin);
    const view = read.body as {
      provenance: string;
      entry: { body: object };
      text: { output: string };
    };
    expect(view.provenance).toBe('submitted');
    expect(view.text.output).toBe(result.text);
    expect(validateRecordBody(view.entry.body)).toEqual([]);
    expect(view.entry.body).toMatchObject({
      provenance: 'submitted',
      request: { caseId: 'LIC-7' },
    });

    const schema = await request(t.app.getHttpServer()).get('/v1/schemas/record.json');
    expect(schema.status).toBe(200);
    expect(schema.body).toEqual(JSON.parse(JSON.stringify(RECORD_BODY_SCHEMA)));
  });

  it('searches by case, application, concept share and time, in keyset pages', async () => {
    const made: Generation[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await generate({
        prompt: 'The bank',
        maxTokens: 6,
        seed: 100 + i,
        context: { caseId: 'SEARCH-1' },
      });
      made.push(res.body as Generation);
    }
    const search = async (query: string) => {
      const res = await call(t, 'get', `/v1/records?${query}`, w.people.auditor);
      expect(res.status).toBe(200);
      return res.body as { records: { id: string; caseId: string }[]; nextCursor: string | null };
    };
    const byCase = await search('caseId=SEARCH-1');
    expect(byCase.records.map((r) => r.id).sort()).toEqual(made.map((g) => g.recordId).sort());

    // Pages of 2 walk the same five records, newest first, with no repeats.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(`caseId=SEARCH-1&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.records.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(byCase.records.map((r) => r.id));

    // A concept a record has, with its own share as the minimum, finds it; a higher minimum not.
    const record = (await call(t, 'get', `/v1/records/${made[0].recordId}`, w.people.admin))
      .body as {
      applicationId: string;
      createdAt: string;
      entry: { body: { chunks: { concepts: { known: { key: string; share: number }[] } }[] } };
    };
    const concept = record.entry.body.chunks
      .flatMap((c) => c.concepts.known)
      .filter((c) => c.share > 0)
      .sort((a, b) => b.share - a.share)[0];
    const withConcept = await search(
      `caseId=SEARCH-1&concept=${concept.key}&minShare=${concept.share}`,
    );
    expect(withConcept.records.map((r) => r.id)).toContain(made[0].recordId);
    const above = await search(
      `caseId=SEARCH-1&concept=${concept.key}&minShare=${Math.min(1, concept.share + 1e-6)}`,
    );
    expect(above.records.map((r) => r.id)).not.toContain(made[0].recordId);

    // Detection: the records whose body states the concept detected (0.5 or more in some chunk),
    // or stated and not detected, exactly; computed here from each signed body.
    const bodies = await Promise.all(
      made.map(
        async (g) =>
          (await call(t, 'get', `/v1/records/${g.recordId}`, w.people.admin)).body as {
            id: string;
            entry: {
              body: { chunks: { concepts: { known: { key?: string; detection?: number }[] } }[] };
            };
          },
      ),
    );
    const highest = (body: (typeof bodies)[number], key: string) =>
      Math.max(
        -1,
        ...body.entry.body.chunks
          .flatMap((c) => c.concepts.known)
          .filter((c) => c.key === key)
          .map((c) => c.detection as number),
      );
    const keys = [
      ...new Set(
        bodies.flatMap((b) =>
          b.entry.body.chunks.flatMap((c) => c.concepts.known.map((k) => k.key)),
        ),
      ),
    ].filter((k): k is string => k !== undefined);
    // A concept detected in some of the five records and not in others, when there is one.
    const mixed =
      keys.find((k) => {
        const found = bodies.map((b) => highest(b, k)).filter((d) => d >= 0);
        return found.some((d) => d >= 0.5) && found.some((d) => d < 0.5);
      }) ?? concept.key;
    const ids = (found: { records: { id: string }[] }) => found.records.map((r) => r.id).sort();
    const expected = (test: (d: number) => boolean) =>
      bodies
        .filter((b) => highest(b, mixed) >= 0 && test(highest(b, mixed)))
        .map((b) => b.id)
        .sort();
    const detected = await search(`caseId=SEARCH-1&concept=${mixed}&detected=true`);
    const notDetected = await search(`caseId=SEARCH-1&concept=${mixed}&detected=false`);
    expect(ids(detected)).toEqual(expected((d) => d >= 0.5));
    expect(ids(notDetected)).toEqual(expected((d) => d < 0.5));
    expect(ids(detected).length + ids(notDetected).length).toBeGreaterThan(0);
    const lonely = await call(t, 'get', '/v1/records?detected=true', w.people.auditor);
    expect([lonely.status, code(lonely)]).toEqual([422, 'validation_failed']);
    expect(JSON.stringify(lonely.body)).toContain('needs concept: the detection of which concept');
    const unknown = await call(
      t,
      'get',
      `/v1/records?concept=${mixed}&detected=yes`,
      w.people.auditor,
    );
    expect([unknown.status, code(unknown)]).toEqual([422, 'validation_failed']);
    // A record of concept method version 2 states no detection: it has the concept, and matches
    // neither detected=true nor detected=false.
    const result = await t.app
      .get(ModelRuntime)
      .generate('The bank approved the loan', { maxTokens: 6, seed: 3 });
    const older = submittedPayload(result, { purpose: 'older runtime', caseId: 'SEARCH-2' });
    for (const chunk of older.chunks) {
      chunk.concepts.methodVersion = 2;
      for (const c of chunk.concepts.known) delete c.detection;
    }
    const submitted = await request(t.app.getHttpServer())
      .post('/v1/records')
      .set('Authorization', `Bearer ${w.keys['records:submit'].key}`)
      .send(older);
    expect(submitted.status).toBe(201);
    const olderId = (submitted.body as { recordId: string }).recordId;
    const olderKey = older.chunks.flatMap((c) => c.concepts.known).find((c) => c.key)?.key;
    expect(ids(await search(`caseId=SEARCH-2&concept=${olderKey}`))).toEqual([olderId]);
    expect(ids(await search(`caseId=SEARCH-2&concept=${olderKey}&detected=true`))).toEqual([]);
    expect(ids(await search(`caseId=SEARCH-2&concept=${olderKey}&detected=false`))).toEqual([]);

    const byApp = await search(`applicationId=${record.applicationId}&caseId=SEARCH-1`);
    expect(byApp.records).toHaveLength(5);
    const otherApp = await search(`applicationId=${w.applicationId}&caseId=SEARCH-1`);
    expect(otherApp.records).toHaveLength(0);
    const later = await search(
      `caseId=SEARCH-1&from=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(later.records).toHaveLength(0);
    const bad = await call(t, 'get', '/v1/records?minShare=2', w.people.auditor);
    expect([bad.status, code(bad)]).toEqual([422, 'validation_failed']);
    const badCursor = await call(t, 'get', '/v1/records?cursor=nonsense', w.people.auditor);
    expect([badCursor.status, code(badCursor)]).toEqual([422, 'validation_failed']);
  });

  it('rejects UPDATE and DELETE of log rows even by the owner, and names a tampered entry', async () => {
    const [{ log_index: index, id }] = (
      await owner.query<{ log_index: string; id: string }>(
        `SELECT log_index, id FROM log_entries WHERE tenant_id = $1 ORDER BY log_index LIMIT 1`,
        [w.tenantId],
      )
    ).rows;
    await expect(
      owner.query(`UPDATE log_entries SET key_id = 'x' WHERE id = $1`, [id]),
    ).rejects.toThrow(/append-only/);
    await expect(owner.query(`DELETE FROM records WHERE id = $1`, [id])).rejects.toThrow(
      /append-only/,
    );
    const log = t.app.get(LogService);
    expect((await log.verifyLog(w.tenantId)).problem).toBeNull();
    // Someone with the owner's rights switches the trigger off and changes one byte of a body.
    await owner.query(`ALTER TABLE log_entries DISABLE TRIGGER log_entries_append_only`);
    try {
      await owner.query(
        `UPDATE log_entries SET body = replace(body, '"kind":"record"', '"kind":"recorD"')
          WHERE id = $1`,
        [id],
      );
    } finally {
      await owner.query(`ALTER TABLE log_entries ENABLE TRIGGER log_entries_append_only`);
    }
    const { problem } = await log.verifyLog(w.tenantId);
    expect(problem).toContain(`entry ${id} (index ${index})`);
  });
});
