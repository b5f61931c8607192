/**
 * Why an evidence package was not written. These are faults of the caller's input or of the
 * signer, never of the auditor's request, so they are plain errors with a stable code rather
 * than domain errors mapped to HTTP: the report job that builds the package decides whether a
 * retry can help (only `signer_key_changed` and `source_changed` may pass on a second try).
 */
export type EvidencePackageErrorCode =
  | 'invalid_manifest_field'
  | 'invalid_path'
  | 'duplicate_path'
  | 'reserved_path'
  | 'missing_file'
  | 'unexpected_file'
  | 'package_too_large'
  | 'readme_template'
  | 'signer_key_changed'
  | 'signature_invalid'
  | 'source_changed';

export class EvidencePackageError extends Error {
  constructor(
    readonly code: EvidencePackageErrorCode,
    message: string,
  ) {
    super(`evidence package not written: ${message}`);
    this.name = 'EvidencePackageError';
  }
}
