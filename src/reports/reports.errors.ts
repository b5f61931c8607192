import { DomainError } from 'src/common/domain-error';

/** A download of a report that is still being built (or failed). */
export class ReportNotReadyError extends DomainError {
  constructor(id: string, status: string) {
    super(
      'conflict',
      'report_not_ready',
      `report ${id} is ${status}: its files can be downloaded once it is complete (GET /v1/reports/${id} shows progress)`,
    );
  }
}

/** A download of a report withdrawn because a record whose text it showed was erased. */
export class ReportWithdrawnError extends DomainError {
  constructor(id: string, recordId: string, erasedAt: Date) {
    super(
      'gone',
      'report_withdrawn',
      `report ${id} is withdrawn: it showed the text of record ${recordId}, erased at ${erasedAt.toISOString()}; request the report again for one without it`,
      { recordId, erasedAt: erasedAt.toISOString() },
    );
  }
}

/** A stored artifact that no longer matches the SHA-256 the database holds for it. */
export class ReportArtifactAlteredError extends DomainError {
  constructor(id: string, file: string) {
    super(
      'unavailable',
      'report_artifact_altered',
      `the stored ${file} of report ${id} does not match its recorded SHA-256; it is not served`,
    );
  }
}
