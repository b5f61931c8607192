import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactStore, StoredArtifact } from 'src/artifacts/artifact-store';
import { AppConfig } from 'src/config/app-config';
import { canonicalJson } from 'src/evidence-format/canonical-json';
import { parseCheckpoint } from 'src/evidence-format/checkpoint';
import { SCHEMA_VERSION, SignedEntry } from 'src/evidence-format/entry';
import {
  keyPemPath,
  MAX_PACKAGE_BYTES,
  modelFilePath,
  PACKAGE_FILES,
} from 'src/evidence-format/evidence-package';
import { leafHash, verifyInclusion } from 'src/evidence-format/merkle';
import { verifyEd25519 } from 'src/evidence-format/checkpoint';
import { RecordBody } from 'src/evidence-format/record-body';
import { LogService } from 'src/log/log.service';
import { LogWriter } from 'src/log/log-writer';
import { RecordScope } from 'src/records/records.repository';
import { RecordsService, ScannedRecord } from 'src/records/records.service';
import { EntryCollector } from 'src/reports/build/entry-collector';
import { entryLine, JsonlFile, PackedEntry } from 'src/reports/build/jsonl-file';
import { PeriodBuild } from 'src/reports/build/period-build';
import { ReportDocument, ReportSection } from 'src/reports/document/report-document';
import { renderPdf } from 'src/reports/document/pdf-renderer';
import {
  writeEvidencePackage,
  type PackageFileSource,
} from 'src/reports/evidence-package/evidence-package.builder';
import { EvidencePackageError } from 'src/reports/evidence-package/evidence-package.errors';
import type { DeflatedSource } from 'src/reports/evidence-package/package-zip';
import {
  CardSummary,
  decisionCard,
  DecisionCard,
  RecordVerification,
} from 'src/reports/kinds/decision-card';
import { recordReportSections } from 'src/reports/kinds/record-reports';
import { CHART_WIDTH, ReportContext } from 'src/reports/kinds/report-context';
import { loadLayout, ReportLayout } from 'src/reports/kinds/report-layout';
import { serviceVersion } from 'src/reports/project-root';
import { ReportRow, ReportsRepository } from 'src/reports/reports.repository';
import { ModelReference, ModelReferences } from 'src/reports/sources/model-references';
import { KeyRing } from 'src/signing/key-ring.service';
import { UsersService } from 'src/users/users.service';
import { keyWindowCheck, parseKeySet, KeySet } from 'src/verifier/key-set';
import { allPassed } from 'src/verifier/checks';
import { verifyPackageFile } from 'src/verifier/package';

export const GENERATOR = { name: 'interpretable-audit', version: serviceVersion() };

/**
 * Packages up to this size (compressed) are verified in full, as audit-verify does, before they
 * are stored. The verifier reads a package in a few mebibytes, but it checks every entry again
 * (about as long as the build's own checks): above this size that would double the build's
 * time, so a larger package rests on the builder's own checks of every entry (leaf hash,
 * signature, key window, inclusion) and on the tests of the format.
 */
const SELF_CHECK_MAX_BYTES = 8 * 1024 ** 2;

/** Records read per page while a report is built. */
const PAGE = 500;

export interface BuildProgress {
  (percent: number, message: string): Promise<void>;
}

/** What one build wrote (before it is stored). */
interface Built {
  pdfPath: string;
  zipPath: string;
  recordCount: number;
  recordIdsSha256: string;
  /** The records whose prompt and output the files show (erasing one withdraws them). */
  textRecordIds: string[];
}

/**
 * Builds a requested report from the signed log: reads the records of its scope below the pinned
 * checkpoint, checks each one's leaf hash, signature, key window and inclusion proof, writes the
 * PDF (report.json attached) and the evidence package, checks a package of up to
 * SELF_CHECK_MAX_BYTES whole as `audit-verify package` does, stores both in the artifact store,
 * logs the build once and completes the report's row. The same
 * request always gives the same bytes, so a build retried after a crash writes what the first
 * would have; nothing is visible under the report's keys until it is whole.
 */
@Injectable()
export class ReportBuilder {
  constructor(
    private readonly config: AppConfig,
    private readonly reports: ReportsRepository,
    private readonly records: RecordsService,
    private readonly log: LogService,
    private readonly writer: LogWriter,
    private readonly keys: KeyRing,
    private readonly models: ModelReferences,
    private readonly artifacts: ArtifactStore,
    private readonly users: UsersService,
  ) {}

  async build(tenantId: string, reportId: string, progress: BuildProgress): Promise<ReportRow> {
    const report = await this.reports.findById(tenantId, reportId);
    if (!report) throw new Error(`report ${reportId} does not exist in this tenant`);
    if (report.completedAt) return report;
    const workDir = await this.workDir();
    // A build killed before it finished left its folder behind: it is never read, only removed.
    for (const stale of await readdir(workDir)) {
      if (stale.startsWith(`${reportId}-`)) {
        await rm(join(workDir, stale), { recursive: true, force: true });
      }
    }
    const work = await mkdtemp(join(workDir, `${reportId}-`));
    try {
      const built = await this.buildFiles(tenantId, report, work, progress);
      const prefix = `${tenantId}/${reportId}`;
      await progress(95, 'storing the PDF');
      const pdf = await this.artifacts.putFile(`${prefix}/report.pdf`, built.pdfPath);
      await progress(96, 'storing the evidence package');
      const evidence = await this.artifacts.putFile(`${prefix}/evidence.zip`, built.zipPath);
      await progress(97, 'logging the build');
      await this.logBuild(tenantId, report, built, pdf, evidence);
      await progress(98, 'completing the report');
      await this.reports.complete(tenantId, reportId, {
        pdf: pick(pdf),
        evidence: pick(evidence),
        recordCount: built.recordCount,
        completedAt: new Date(),
        textRecordIds: built.textRecordIds,
      });
      await progress(100, `done: ${built.recordCount} records`);
      const done = await this.reports.findById(tenantId, reportId);
      if (!done) throw new Error(`report ${reportId} vanished`);
      return done;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private async workDir(): Promise<string> {
    const dir = join(this.config.ARTIFACTS_DIR ?? join(this.config.DATA_DIR, 'artifacts'), '.work');
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Writes the report's PDF and evidence package into `work` (a build without storing them):
   * what `build` stores, and what a test compares to the stored bytes.
   */
  async buildFiles(
    tenantId: string,
    report: ReportRow,
    work: string,
    progress: BuildProgress,
  ): Promise<Built> {
    await progress(1, 'reading the checkpoint');
    const checkpoint = await this.log.checkpointOfSize(tenantId, report.checkpointSize);
    const root = parseCheckpoint(checkpoint.checkpoint).root;
    const keySet = parseKeySet(this.keys.jwks());
    const people = new Map((await this.users.list(tenantId)).map((u) => [u.id, u.email]));
    const previous = report.previousReportId
      ? await this.reports.findById(tenantId, report.previousReportId)
      : null;
    const context: ReportContext = {
      id: report.id,
      kind: report.kind,
      scope: report.scope,
      requestedAt: report.requestedAt,
      requestedBy: {
        userId: report.requestedBy,
        role: await this.roleOf(report),
        // An application has no e-mail; an absent member has no JSON form, so it is left out.
        ...(people.has(report.requestedBy) ? { name: people.get(report.requestedBy) } : {}),
      },
      tenantId,
      origin: this.log.origin(tenantId),
      checkpoint: { size: checkpoint.size, root: checkpoint.root, note: checkpoint.checkpoint },
      keys: this.keys.keys().map((k) => ({
        kid: k.kid,
        validFrom: k.validFrom.toISOString(),
        validUntil: k.validUntil?.toISOString() ?? null,
      })),
      generator: GENERATOR,
      previous: previous ? { id: previous.id, size: previous.checkpointSize } : null,
    };
    const files = {
      records: new JsonlFile(join(work, `${PACKAGE_FILES.records}.deflate`)),
      entries: new JsonlFile(join(work, `${PACKAGE_FILES.entries}.deflate`)),
      proofs: new JsonlFile(join(work, `${PACKAGE_FILES.proofs}.deflate`)),
    };
    const prover = new Prover(this.log, tenantId, checkpoint.size, root, keySet, files, {
      maxBytes: this.config.REPORT_PACKAGE_MAX_BYTES,
    });
    const shown = new Set<string>();
    const layout = loadLayout(report.kind);
    const models = new Map<string, ModelReference>();
    const modelOf = (body: RecordBody) => {
      const reference = this.models.get(body.model);
      models.set(`${reference.name}/${reference.version}`, reference);
      return reference;
    };
    let sections: ReportSection[];
    let summaries: CardSummary[] | Record<string, unknown>;
    let packed: PackedFiles;
    try {
      if (report.kind === 'period-audit') {
        const period = new PeriodBuild(
          this.records,
          this.log,
          tenantId,
          report,
          modelOf,
          prover,
          people,
        );
        const result = await period.build(layout, context, progress, (r) =>
          this.card(r, prover, modelOf, people, shown),
        );
        sections = result.sections;
        summaries = result.figures;
      } else {
        const cards = await this.recordCards(
          tenantId,
          report,
          prover,
          modelOf,
          people,
          shown,
          progress,
        );
        sections = recordReportSections(layout, context, cards);
        summaries = cards.map((c) => c.summary);
      }
      packed = await prover.finish();
    } finally {
      for (const file of Object.values(files)) file.destroy();
    }
    const recordIds = prover.records;
    await progress(85, 'writing the PDF');
    const reportJson = Buffer.from(
      canonicalJson({
        format: 'interpretable-audit-report',
        formatVersion: 1,
        report: {
          id: report.id,
          kind: report.kind,
          scope: report.scope,
          requestedAt: report.requestedAt.toISOString(),
          requestedBy: context.requestedBy,
        },
        checkpoint: { size: checkpoint.size, rootHash: checkpoint.root },
        generator: GENERATOR,
        records: recordIds.map(({ id, logIndex }) => ({ id, logIndex })),
        summary: summaries,
      }),
    );
    const pdf = await renderPdf(this.document(layout, context, sections, reportJson));
    const pdfPath = join(work, PACKAGE_FILES.pdf);
    await writeFile(pdfPath, pdf);
    await writeFile(join(work, PACKAGE_FILES.reportJson), reportJson);

    await progress(90, 'writing the evidence package');
    const zipPath = join(work, 'evidence.zip');
    await this.writePackage(
      tenantId,
      report,
      context,
      packed,
      pdfPath,
      reportJson,
      prover,
      models,
      previous,
      zipPath,
    );
    if ((await stat(zipPath)).size <= SELF_CHECK_MAX_BYTES) {
      await progress(93, 'checking the evidence package as audit-verify does');
      const checks = await verifyPackageFile(zipPath, this.keys.jwks());
      if (!allPassed(checks)) {
        const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
        throw new Error(`the evidence package fails its own verification: ${failed.join('; ')}`);
      }
    }
    return {
      pdfPath,
      zipPath,
      recordCount: recordIds.length,
      recordIdsSha256: sha256Hex(recordIds.map((r) => r.id).join('\n')),
      textRecordIds: [...shown],
    };
  }

  private async recordCards(
    tenantId: string,
    report: ReportRow,
    prover: Prover,
    modelOf: (body: RecordBody) => ModelReference,
    people: ReadonlyMap<string, string>,
    shown: Set<string>,
    progress: BuildProgress,
  ): Promise<DecisionCard[]> {
    const scope: RecordScope =
      report.kind === 'decision-evidence'
        ? { recordId: report.scope.recordId }
        : report.scope.caseId !== undefined
          ? { caseId: report.scope.caseId }
          : { subjectRef: report.scope.subjectRef };
    const cards: DecisionCard[] = [];
    const scan = this.records.scan(tenantId, scope, {
      before: report.checkpointSize,
      withText: true,
      pageSize: PAGE,
    });
    for await (const page of scan) {
      await prover.addRecords(page);
      const related = await prover.relatedEntries(page.map((r) => r.row.id));
      for (const record of page) {
        cards.push(
          await this.card(
            { record, related: related.get(record.row.id) ?? [] },
            prover,
            modelOf,
            people,
            shown,
          ),
        );
      }
      await progress(Math.min(80, 5 + cards.length), `${cards.length} records read`);
    }
    if (report.kind === 'decision-evidence' && cards.length !== 1) {
      throw new Error(
        `record ${report.scope.recordId} is not in the log below size ${report.checkpointSize}`,
      );
    }
    return cards;
  }

  /** A decision card of a record whose proof the prover holds; notes whose text it shows. */
  private card(
    { record, related }: { record: ScannedRecord; related: SignedEntry[] },
    prover: Prover,
    modelOf: (body: RecordBody) => ModelReference,
    people: ReadonlyMap<string, string>,
    shown: Set<string>,
  ): Promise<DecisionCard> {
    const body = record.entry.body as unknown as RecordBody;
    if (record.text) shown.add(record.row.id);
    return decisionCard(
      {
        body,
        entry: record.entry,
        text: record.text,
        related,
        model: modelOf(body),
        verification: prover.verification(record.row.id),
        people,
      },
      CHART_WIDTH,
    );
  }

  private document(
    layout: ReportLayout,
    context: ReportContext,
    sections: ReportSection[],
    reportJson: Buffer,
  ): ReportDocument {
    return {
      meta: {
        title: layout.title,
        subject: layout.subject,
        keywords: [
          'audit',
          context.kind,
          `report ${context.id}`,
          `checkpoint ${context.checkpoint.size}`,
        ],
        createdAt: context.requestedAt,
        footer: `${layout.title} ${context.id}`,
      },
      attachments: [
        {
          name: PACKAGE_FILES.reportJson,
          description:
            'The report as data: scope, checkpoint, the records it covers and its figures',
          mimeType: 'application/json',
          content: reportJson,
        },
      ],
      sections,
    };
  }

  private async writePackage(
    tenantId: string,
    report: ReportRow,
    context: ReportContext,
    packed: PackedFiles,
    pdfPath: string,
    reportJson: Buffer,
    prover: Prover,
    models: Map<string, ModelReference>,
    previous: ReportRow | null,
    zipPath: string,
  ): Promise<void> {
    const files: PackageFileSource[] = [
      { path: PACKAGE_FILES.pdf, source: pdfPath },
      { path: PACKAGE_FILES.reportJson, source: reportJson },
      { path: PACKAGE_FILES.records, source: packed.records },
      { path: PACKAGE_FILES.entries, source: packed.entries },
      { path: PACKAGE_FILES.proofs, source: packed.proofs },
      { path: PACKAGE_FILES.checkpoint, source: Buffer.from(context.checkpoint.note, 'utf8') },
      {
        path: PACKAGE_FILES.jwks,
        source: Buffer.from(JSON.stringify(this.keys.jwks(), null, 2) + '\n'),
      },
      ...this.keys.keys().map((k) => ({
        path: keyPemPath(k.kid),
        source: Buffer.from(this.keys.publicKeyPem(k.kid), 'utf8'),
      })),
      ...[...models.values()].flatMap((m) => [
        { path: modelFilePath(m.name, m.version, 'manifest.json'), source: m.manifestBytes },
        { path: modelFilePath(m.name, m.version, 'MODEL_CARD.md'), source: m.cardBytes },
      ]),
    ];
    let previousCheckpoint: { size: number; rootHash: string } | undefined;
    if (previous && previous.checkpointSize <= report.checkpointSize) {
      const proof = await this.log.consistencyProof(
        tenantId,
        previous.checkpointSize,
        report.checkpointSize,
      );
      const old = await this.log.checkpointOfSize(tenantId, previous.checkpointSize);
      previousCheckpoint = { size: old.size, rootHash: old.root };
      files.push({
        path: PACKAGE_FILES.consistency,
        source: Buffer.from(
          canonicalJson({
            oldSize: proof.oldSize,
            newSize: proof.newSize,
            hashes: proof.hashes,
            oldCheckpoint: proof.oldCheckpoint,
          }),
        ),
      });
    }
    // The key signing now; a key scheduled to take over later is not it.
    const signer = this.keys.keyAt();
    await writeEvidencePackage(
      {
        manifest: {
          // The package id is derived from the report's, so a rebuilt package has the same bytes.
          packageId: report.id,
          tenant: tenantId,
          origin: context.origin,
          report: {
            id: report.id,
            kind: report.kind,
            scope: report.scope,
            recordCount: prover.records.length,
            entryCount: prover.entryCount,
          },
          generatedAt: packageTime(report.requestedAt, signer.validFrom).toISOString(),
          generator: GENERATOR,
          checkpoint: { size: context.checkpoint.size, rootHash: context.checkpoint.root },
          ...(previousCheckpoint ? { previousCheckpoint } : {}),
        },
        signer: { keyId: signer.kid, sign: (bytes) => this.keys.sign(bytes) },
        files,
      },
      zipPath,
    );
  }

  /**
   * The build's own log entry, once: who asked for the report, what it covers (the number and
   * SHA-256 of the record ids) and the SHA-256 of both artifacts. A retried build finds it.
   */
  private async logBuild(
    tenantId: string,
    report: ReportRow,
    built: Built,
    pdf: StoredArtifact,
    evidence: StoredArtifact,
  ): Promise<void> {
    const existing = await this.log.entriesAbout(tenantId, report.id);
    if (
      existing.some(
        (e) => (JSON.parse(e.canonical) as { action?: string }).action === 'report-build',
      )
    ) {
      return;
    }
    await this.writer.append(tenantId, {
      kind: 'access',
      subjectId: report.id,
      body: {
        schemaVersion: SCHEMA_VERSION,
        kind: 'access',
        action: 'report-build',
        report: {
          id: report.id,
          kind: report.kind,
          scope: report.scope,
          checkpointSize: report.checkpointSize,
          recordCount: built.recordCount,
          recordIdsSha256: built.recordIdsSha256,
          pdfSha256: pdf.sha256,
          evidenceSha256: evidence.sha256,
        },
        by: { userId: report.requestedBy },
      },
    });
  }

  private async roleOf(report: ReportRow): Promise<string> {
    const entries = await this.log.entriesAbout(report.tenantId, report.id);
    for (const e of entries) {
      const body = JSON.parse(e.canonical) as { action?: string; by?: { role?: string } };
      if (body.action === 'report-request' && body.by?.role) return body.by.role;
    }
    return 'user';
  }
}

/**
 * The proofs and entries of one build: each record and entry is checked (signature with the
 * verifier's code, inclusion against the checkpoint) and written to its JSON Lines file with its
 * inclusion proof, in the order it is added.
 */
export class Prover {
  readonly records: { id: string; logIndex: number }[] = [];
  /** Per entry, what its checks found (the sentences are made only for the cards shown). */
  private readonly verifications = new Map<string, CheckedEntry>();
  private readonly collector: EntryCollector;
  entryCount = 0;
  /** Bytes of entry bodies written so far (a lower bound of the package's size). */
  private bytes = 0;

  constructor(
    private readonly log: LogService,
    private readonly tenantId: string,
    private readonly size: number,
    private readonly root: Buffer,
    private readonly keySet: KeySet,
    private readonly files: { records: JsonlFile; entries: JsonlFile; proofs: JsonlFile },
    /** The most bytes of signed bodies the package may carry (REPORT_PACKAGE_MAX_BYTES). */
    private readonly limits: { maxBytes: number } = { maxBytes: MAX_PACKAGE_BYTES },
  ) {
    this.collector = new EntryCollector(log, tenantId, size);
  }

  async addRecords(page: readonly ScannedRecord[]): Promise<void> {
    const packedPage = page.map((r) => ({
      id: r.row.id,
      logIndex: r.row.logIndex,
      canonical: r.canonical,
      keyId: r.entry.keyId,
      leafHash: r.entry.leafHash,
      signature: r.entry.signature,
    }));
    await this.add(
      packedPage,
      this.files.records,
      page.map((r) => r.entry),
    );
    for (const r of packedPage) this.records.push({ id: r.id, logIndex: r.logIndex });
  }

  /** Entries other than records (reviews, erasures, reads) that the report relies on. */
  async addEntries(entries: readonly PackedEntry[]): Promise<void> {
    const fresh = entries.filter((e) => this.collector.claim(e.id));
    if (fresh.length === 0) return;
    await this.add(
      fresh,
      this.files.entries,
      fresh.map((e) => ({
        body: JSON.parse(e.canonical) as Record<string, unknown>,
        leafHash: e.leafHash,
        signature: e.signature,
        keyId: e.keyId,
      })),
    );
    this.entryCount += fresh.length;
  }

  /** The reviews, corrections and erasures about these records, added to the package. */
  async relatedEntries(recordIds: readonly string[]): Promise<Map<string, SignedEntry[]>> {
    const entries = await this.collector.about(recordIds);
    await this.addEntries(entries.map((e) => e.packed));
    const byRecord = new Map<string, SignedEntry[]>();
    for (const e of entries) {
      const list = byRecord.get(e.subjectId) ?? [];
      list.push(e.signed);
      byRecord.set(e.subjectId, list);
    }
    return byRecord;
  }

  verification(recordId: string): RecordVerification {
    const v = this.verifications.get(recordId);
    if (!v) throw new Error(`record ${recordId} was not proven in this build`);
    return {
      signature: {
        ok: v.signature.ok,
        detail:
          v.signature.failure ??
          `Ed25519 over SHA-256(0x00 ‖ canonical body), key ${v.keyId}, in its window at ${v.time}`,
      },
      inclusion: {
        ok: v.inclusionOk,
        detail: `index ${v.logIndex} in the checkpoint of size ${this.size}, ${v.pathLength}-hash audit path`,
      },
    };
  }

  /** Whether the entry's signature and inclusion proof both verified. */
  verified(recordId: string): { signature: boolean; inclusion: boolean } {
    const v = this.verifications.get(recordId);
    return { signature: v?.signature.ok ?? false, inclusion: v?.inclusionOk ?? false };
  }

  /** Ends the package's three JSON Lines files, deflated and ready for the ZIP. */
  async finish(): Promise<PackedFiles> {
    const [records, entries, proofs] = await Promise.all(
      [this.files.records, this.files.entries, this.files.proofs].map((f) => f.close()),
    );
    return { records, entries, proofs };
  }

  /**
   * The entry's leaf hash recomputed from the stored canonical body, and its signature checked
   * over it with the key the entry names, in that key's window at the entry's time. (That the
   * body is canonical, and everything else about each entry, the package's self-check verifies
   * as audit-verify does.)
   */
  private signatureCheck(entry: PackedEntry, time: string): { ok: boolean; failure?: string } {
    const leaf = leafHash(Buffer.from(entry.canonical, 'utf8'));
    if (leaf.toString('base64') !== entry.leafHash) {
      return { ok: false, failure: 'the stored body does not hash to its stated leaf hash' };
    }
    const key = this.keySet.keys.find((k) => k.kid === entry.keyId);
    if (!key) return { ok: false, failure: `no key ${entry.keyId} in the key set` };
    const window = keyWindowCheck(key, time);
    if (!window.ok) return { ok: false, failure: window.detail };
    if (!verifyEd25519(leaf, Buffer.from(entry.signature, 'base64'), key.raw)) {
      return { ok: false, failure: `the signature does not verify with key ${entry.keyId}` };
    }
    return { ok: true };
  }

  private async add(
    entries: readonly PackedEntry[],
    file: JsonlFile,
    signed: readonly SignedEntry[],
  ): Promise<void> {
    const paths = await this.log.inclusionPaths(
      this.tenantId,
      this.size,
      entries.map((e) => e.logIndex),
    );
    for (const [i, entry] of entries.entries()) {
      const hashes = paths[i];
      const signature = this.signatureCheck(entry, String(signed[i].body.time));
      const inclusionOk = verifyInclusion({
        leafHash: Buffer.from(entry.leafHash, 'base64'),
        index: entry.logIndex,
        treeSize: this.size,
        proof: hashes,
        root: this.root,
      });
      this.verifications.set(entry.id, {
        signature,
        inclusionOk,
        logIndex: entry.logIndex,
        keyId: entry.keyId,
        time: String(signed[i].body.time),
        pathLength: hashes.length,
      });
      await file.write(entryLine(entry));
      // UTF-16 units: never more than the body's UTF-8 bytes, and free to count.
      this.bytes += entry.canonical.length;
      if (this.bytes > this.limits.maxBytes) {
        throw new EvidencePackageError(
          'package_too_large',
          `its entries alone pass the limit of ${this.limits.maxBytes} bytes (REPORT_PACKAGE_MAX_BYTES) after ${this.records.length + this.entryCount} entries: request a shorter period or fewer applications`,
        );
      }
      await this.files.proofs.write(proofLine(entry, this.size, hashes));
    }
  }
}

/** The package's three JSON Lines files, deflated as they were written. */
interface PackedFiles {
  records: DeflatedSource;
  entries: DeflatedSource;
  proofs: DeflatedSource;
}

/** What the build's checks found about one entry. */
interface CheckedEntry {
  signature: { ok: boolean; failure?: string };
  inclusionOk: boolean;
  logIndex: number;
  keyId: string;
  time: string;
  pathLength: number;
}

/**
 * A line of proofs.jsonl: the PackageProof as canonical JSON (members in code-point order:
 * entryId, hashes, leafHash, logIndex, treeSize), written directly, one per entry.
 */
function proofLine(entry: PackedEntry, treeSize: number, hashes: readonly Buffer[]): string {
  const path = hashes.map((h) => `"${h.toString('base64')}"`).join(',');
  return `{"entryId":${JSON.stringify(entry.id)},"hashes":[${path}],"leafHash":${JSON.stringify(entry.leafHash)},"logIndex":${entry.logIndex},"treeSize":${treeSize}}`;
}

function pick(a: StoredArtifact): { key: string; sha256: string; bytes: number } {
  return { key: a.key, sha256: a.sha256, bytes: a.bytes };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The package's time (manifest `generatedAt`, the ZIP's time): the request time, or, when the key
 * that signs it came into service after the request (rotated before the build), the instant it
 * did, so that the signer was in service at the time the package states. A function of the
 * request and the signer only, so a rebuild signed by the same key has the same bytes.
 */
export function packageTime(requestedAt: Date, signerValidFrom: Date): Date {
  return signerValidFrom > requestedAt ? signerValidFrom : requestedAt;
}
