import { DomainError, NotFoundError } from 'src/common/domain-error';

export class SigningKeyNotFoundError extends NotFoundError {
  constructor(kid: string) {
    // The kid comes from a URL: keep an absurd one from filling the message.
    super('signing_key', kid.length > 64 ? `${kid.slice(0, 64)}...` : kid);
  }
}

export class SigningKeyNotValidError extends DomainError {
  constructor(kid: string, reason: 'retired' | 'not yet valid') {
    super('internal', 'signing_key_not_valid', `signing key ${kid} is ${reason}: it does not sign`);
  }
}

export class NoCurrentSigningKeyError extends DomainError {
  constructor(at: Date) {
    super(
      'unavailable',
      'no_current_signing_key',
      `no signing key is valid at ${at.toISOString()}`,
    );
  }
}

export class SigningKeyRotationError extends DomainError {
  constructor(message: string) {
    super('conflict', 'signing_key_rotation_refused', message);
  }
}

export type KeyRingFileProblem = 'wrong_passphrase' | 'corrupt' | 'unsupported_version';

const PROBLEM_TEXT: Record<KeyRingFileProblem, string> = {
  wrong_passphrase: 'wrong passphrase: SIGNING_KEY_PASSPHRASE does not open it',
  corrupt: 'the file is corrupt or was altered',
  unsupported_version: 'unsupported file version',
};

/** The key file cannot be opened. Says which file and why, never anything secret. */
export class KeyRingFileError extends DomainError {
  constructor(
    readonly file: string,
    readonly problem: KeyRingFileProblem,
    detail?: string,
  ) {
    super(
      'internal',
      `signing_key_file_${problem}`,
      `signing key file ${file}: ${PROBLEM_TEXT[problem]}${detail ? ` (${detail})` : ''}`,
    );
  }
}

export class SigningPassphraseRequiredError extends DomainError {
  constructor(keyFile: string) {
    super(
      'internal',
      'signing_passphrase_required',
      `SIGNING_KEY_PASSPHRASE must be set when DATABASE_URL is set: it encrypts the signing key ring ${keyFile}. ` +
        'Only the embedded default (no DATABASE_URL) keeps a generated passphrase in DATA_DIR.',
    );
  }
}
