import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE } from 'src/evidence-format/merkle';

/**
 * Signed tree heads in the C2SP formats, so that any tool of the transparency-log ecosystem can
 * read ours: a `tlog-checkpoint` body (c2sp.org/tlog-checkpoint) carried in a `signed-note`
 * (c2sp.org/signed-note) with Ed25519 signatures.
 *
 *     audit.local/5b0c...e1          <- origin: LOG_ORIGIN/<tenant uuid>
 *     37                             <- tree size, decimal
 *     n8Tq...Y=                      <- base64 of the RFC 6962 root hash
 *                                    <- blank line: the end of the signed text
 *     — audit.local/5b0c...e1 AbCd...==   <- em dash, key name, base64(key hash ‖ signature)
 *
 * The parser is strict on purpose: a verifier that is lenient about framing is a verifier that
 * can be fed two readings of one note (the lesson of the immudb verifier advisory, ANCHORS.md §2).
 * Every rule below is either the spec's or one we add because our own writer never produces the
 * thing it rejects. The parser and the writers throw a CheckpointFormatError for bad input;
 * `verifyCheckpoint` and `verifyEd25519` never throw, they report.
 */

/** Thrown by the parser and by the writers for text that is not a well-formed note or checkpoint. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** One signature line of a note: `— <name> <base64(keyHash ‖ signature)>`. */
export interface NoteSignature {
  name: string;
  /** The 4-byte key ID (the spec's uint32, big-endian). */
  keyHash: Buffer;
  signature: Buffer;
}

/** A parsed signed note whose text is a checkpoint. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  /** Extension lines after the root, without their newlines (we write none). */
  extensions: string[];
  /** The signed text: every byte up to and including the body's final newline. */
  body: string;
  signatures: NoteSignature[];
}

/** A key that may have signed a note: the note key name and the raw 32-byte Ed25519 key. */
export interface NoteVerifierKey {
  name: string;
  rawPublicKey: Uint8Array;
}

export type NoteSignatureStatus = 'verified' | 'invalid' | 'unknown-key';

export interface CheckpointVerification {
  /** True when at least one signature by a known key verified and none by a known key failed. */
  ok: boolean;
  /** Why ok is false (a parse error, no known signature, a failed signature). */
  reason?: string;
  /** The parsed checkpoint, or null when the note could not be parsed. */
  checkpoint: Checkpoint | null;
  signatures: (NoteSignature & { status: NoteSignatureStatus })[];
}

/** The em dash and space that open every signature line (signed-note, "Format"). */
const SIGNATURE_PREFIX = '\u2014 ';
/** Signature type byte for Ed25519 in the key ID (signed-note, "Signature types"). */
const ED25519_TYPE = 0x01;
const KEY_HASH_SIZE = 4;
const ED25519_SIGNATURE_SIZE = 64;
const ED25519_KEY_SIZE = 32;
/** Go's sumdb/note stops at 100 signatures; the spec requires accepting at least 16. */
const MAX_SIGNATURES = 100;
/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): append the 32 key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The checkpoint text `<origin>\n<size>\n<base64 root>\n` (tlog-checkpoint, "Note text"). The
 * origin doubles as our note key name, so it must also be a valid key name: non-empty, no
 * Unicode spaces, no `+`, no control characters.
 */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  requireKeyName(origin, 'origin');
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new CheckpointFormatError(`tree size ${size} is not an integer in [0, 2^53 - 1]`);
  }
  if (root.length !== HASH_SIZE) {
    throw new CheckpointFormatError(`root hash has ${root.length} bytes, not ${HASH_SIZE}`);
  }
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}

/**
 * The Ed25519 key ID of signed-note: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte key)[:4].
 */
export function noteKeyHash(name: string, rawPublicKey: Uint8Array): Buffer {
  if (rawPublicKey.length !== ED25519_KEY_SIZE) {
    throw new CheckpointFormatError(
      `an Ed25519 public key has ${ED25519_KEY_SIZE} bytes, not ${rawPublicKey.length}`,
    );
  }
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ED25519_TYPE]))
    .update(rawPublicKey)
    .digest()
    .subarray(0, KEY_HASH_SIZE);
}

/**
 * Signs a note text with one Ed25519 key and returns the whole note: the text, a blank line and
 * the signature line. `sign` receives the text's UTF-8 bytes and returns the 64-byte signature
 * (a key provider can keep the private key to itself); the public key is needed for the key ID.
 * The text must already be a valid note text; it is checked, so that we never issue a note our
 * own parser rejects.
 */
export function signNote(
  body: string,
  name: string,
  sign: (message: Buffer) => Buffer,
  rawPublicKey: Uint8Array,
): string {
  requireKeyName(name, 'key name');
  requireNoteText(body);
  const signature = sign(Buffer.from(body, 'utf8'));
  if (signature.length !== ED25519_SIGNATURE_SIZE) {
    throw new CheckpointFormatError(
      `an Ed25519 signature has ${ED25519_SIGNATURE_SIZE} bytes, not ${signature.length}`,
    );
  }
  const blob = Buffer.concat([noteKeyHash(name, rawPublicKey), signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${name} ${blob}\n`;
}

/**
 * Splits a signed note into its text and signature lines (signed-note, "Format"), checking the
 * framing only: valid UTF-8 without control characters other than newline, a text that ends in
 * a newline, then a blank line, then one or more well-formed signature lines, then nothing.
 * Bytes are decoded as strict UTF-8, so a note read from a file keeps its exact bytes.
 */
export function parseNote(note: string | Uint8Array): {
  body: string;
  signatures: NoteSignature[];
} {
  const text = typeof note === 'string' ? note : decodeUtf8(note);
  requireWellFormed(text, 'note');
  // The text ends at the last empty line (signed-note, "Format").
  const split = text.lastIndexOf('\n\n');
  if (split < 0) {
    throw new CheckpointFormatError('no blank line between the note text and its signatures');
  }
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block === '') {
    // A note whose signature lines are followed by one more newline looks like a note with no
    // signatures. That is nearly always a copy that gained a newline (`jq -r` adds one).
    const before = text.slice(0, split);
    throw new CheckpointFormatError(
      before.includes('\n\n') && /\n\u2014 [^\n]+$/.test(before)
        ? 'the note ends with an extra newline after its signature lines (jq -r adds one; use jq -j, or remove the last empty line)'
        : 'the note has no signature lines',
    );
  }
  if (!block.endsWith('\n')) {
    throw new CheckpointFormatError('the last signature line does not end with a newline');
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    throw new CheckpointFormatError(`more than ${MAX_SIGNATURES} signature lines`);
  }
  return { body, signatures: lines.map((line, i) => parseSignatureLine(line, i + 1)) };
}

/**
 * Parses a signed checkpoint: the note framing, then the body (tlog-checkpoint, "Note text"):
 * at least three non-empty lines; the origin; the size in decimal without leading zeros, at
 * most 2^53 - 1 (the largest size this code base handles exactly); the root as canonical base64
 * of 32 bytes; and non-empty extension lines. Throws a CheckpointFormatError that says what is
 * wrong. It does not verify signatures: use verifyCheckpoint.
 */
export function parseCheckpoint(note: string | Uint8Array): Checkpoint {
  const { body, signatures } = parseNote(note);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) {
    throw new CheckpointFormatError(
      `a checkpoint has at least 3 lines (origin, size, root), this one has ${lines.length}`,
    );
  }
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (origin === '') throw new CheckpointFormatError('the origin line is empty');
  const size = parseSize(sizeText);
  const root = decodeBase64(rootText, 'root hash');
  if (root.length !== HASH_SIZE) {
    throw new CheckpointFormatError(`the root hash has ${root.length} bytes, not ${HASH_SIZE}`);
  }
  extensions.forEach((line, i) => {
    if (line === '') throw new CheckpointFormatError(`extension line ${i + 1} is empty`);
  });
  return { origin, size, root, extensions, body, signatures };
}

/**
 * Parses a checkpoint and checks its signatures against the given keys, following the rules of
 * signed-note ("Signatures"): a line whose name and key ID are not both those of a given key is
 * ignored (reported as unknown-key); every line of a known key must verify, else the whole note
 * is rejected; and at least one must. Never throws.
 */
export function verifyCheckpoint(
  note: string | Uint8Array,
  keys: readonly NoteVerifierKey[],
): CheckpointVerification {
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(note);
  } catch (error) {
    return { ok: false, reason: messageOf(error), checkpoint: null, signatures: [] };
  }
  const message = Buffer.from(checkpoint.body, 'utf8');
  const known = keys.flatMap((key) => {
    try {
      return [{ name: key.name, keyHash: noteKeyHash(key.name, key.rawPublicKey), key }];
    } catch {
      return []; // A malformed key cannot have signed anything.
    }
  });
  const signatures = checkpoint.signatures.map((sig) => {
    const matches = known.filter((k) => k.name === sig.name && k.keyHash.equals(sig.keyHash));
    if (matches.length === 0) return { ...sig, status: 'unknown-key' as const };
    // A key ID collision between two given keys: accept if either key verifies.
    const good = matches.some((k) => verifyEd25519(message, sig.signature, k.key.rawPublicKey));
    return { ...sig, status: good ? ('verified' as const) : ('invalid' as const) };
  });
  const invalid = signatures.find((s) => s.status === 'invalid');
  if (invalid) {
    const reason = `the signature of ${invalid.name} (key ID ${invalid.keyHash.toString('hex')}) does not verify`;
    return { ok: false, reason, checkpoint, signatures };
  }
  if (!signatures.some((s) => s.status === 'verified')) {
    const seen = signatures.map((s) => `${s.name} ${s.keyHash.toString('hex')}`).join(', ');
    const reason = `no signature by a known key (the note is signed by: ${seen})`;
    return { ok: false, reason, checkpoint, signatures };
  }
  return { ok: true, checkpoint, signatures };
}

/** Ed25519 verification of RFC 8032 with a raw 32-byte key; false for anything malformed. */
export function verifyEd25519(
  message: Uint8Array,
  signature: Uint8Array,
  rawPublicKey: Uint8Array,
): boolean {
  if (signature.length !== ED25519_SIGNATURE_SIZE) return false;
  try {
    return verify(null, message, ed25519PublicKey(rawPublicKey), signature);
  } catch {
    return false;
  }
}

/** Key objects already made, by raw key: a log is signed by a handful of keys. */
const keyObjects = new Map<string, KeyObject>();
const MAX_KEY_OBJECTS = 256;

/**
 * A node:crypto key object for a raw 32-byte Ed25519 public key. Made once per key: making one
 * costs several times the verification it serves, and a package holds one signature per entry.
 */
export function ed25519PublicKey(rawPublicKey: Uint8Array): KeyObject {
  if (rawPublicKey.length !== ED25519_KEY_SIZE) {
    throw new CheckpointFormatError(
      `an Ed25519 public key has ${ED25519_KEY_SIZE} bytes, not ${rawPublicKey.length}`,
    );
  }
  const id = Buffer.from(rawPublicKey).toString('hex');
  let key = keyObjects.get(id);
  if (!key) {
    const der = Buffer.concat([ED25519_SPKI_PREFIX, rawPublicKey]);
    key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    if (keyObjects.size >= MAX_KEY_OBJECTS) keyObjects.clear();
    keyObjects.set(id, key);
  }
  return key;
}

function parseSignatureLine(line: string, number: number): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) {
    throw new CheckpointFormatError(
      `signature line ${number} does not start with an em dash (U+2014) and a space`,
    );
  }
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) {
    throw new CheckpointFormatError(`signature line ${number} has no space after the key name`);
  }
  const name = rest.slice(0, space);
  if (!isKeyName(name)) {
    throw new CheckpointFormatError(
      `signature line ${number} has an invalid key name ${JSON.stringify(name)}`,
    );
  }
  const blob = decodeBase64(rest.slice(space + 1), `signature line ${number}`);
  // Four bytes of key ID and at least one of signature (signed-note, "Format").
  if (blob.length <= KEY_HASH_SIZE) {
    throw new CheckpointFormatError(`signature line ${number} holds only ${blob.length} bytes`);
  }
  return {
    name,
    keyHash: blob.subarray(0, KEY_HASH_SIZE),
    signature: blob.subarray(KEY_HASH_SIZE),
  };
}

/** Decimal, no leading zeros (tlog-checkpoint), and exactly representable. */
function parseSize(text: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) {
    throw new CheckpointFormatError(
      `the tree size ${JSON.stringify(text)} is not a decimal number without leading zeros`,
    );
  }
  const size = Number(text);
  if (!Number.isSafeInteger(size)) {
    throw new CheckpointFormatError(`the tree size ${text} is larger than 2^53 - 1`);
  }
  return size;
}

/**
 * Standard base64 with padding (RFC 4648 §4), in its one canonical spelling: Node's decoder
 * skips foreign characters, accepts the URL alphabet and ignores the unused low bits of the last
 * character, any of which would let a note change without its meaning changing. The text is
 * re-encoded and must come back the same.
 */
function decodeBase64(text: string, what: string): Buffer {
  if (text === '' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new CheckpointFormatError(`${what} is not padded standard base64`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new CheckpointFormatError(`${what} is not canonical base64`);
  }
  return bytes;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading U+FEFF, so that the text is exactly the bytes that were signed.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CheckpointFormatError('the note is not valid UTF-8');
  }
}

/** Valid UTF-8 (no lone surrogates) and no control characters but newline (signed-note). */
function requireWellFormed(text: string, what: string): void {
  if (Buffer.from(text, 'utf8').toString('utf8') !== text) {
    throw new CheckpointFormatError(`the ${what} is not valid Unicode (lone surrogate)`);
  }
  const at = controlAt(text, true);
  if (at >= 0) {
    const code = text.charCodeAt(at);
    const hint = code === 0x0d ? ' (CRLF line endings?)' : '';
    const name = `U+${code.toString(16).padStart(4, '0').toUpperCase()}`;
    throw new CheckpointFormatError(
      `the ${what} contains the control character ${name} at offset ${at}${hint}`,
    );
  }
}

/** The index of the first ASCII control character (below U+0020), or -1. */
function controlAt(text: string, allowNewline: boolean): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 && !(allowNewline && code === 0x0a)) return i;
  }
  return -1;
}

/** A note text we are willing to sign: well formed, newline-terminated, no blank line. */
function requireNoteText(body: string): void {
  requireWellFormed(body, 'note text');
  if (!body.endsWith('\n')) throw new CheckpointFormatError('the note text must end in a newline');
  // A blank line inside the text would move the split point a reader finds (the last one is
  // the separator, and ours would be the last), so refuse it rather than rely on that.
  if (body.startsWith('\n') || body.includes('\n\n')) {
    throw new CheckpointFormatError('the note text must not contain an empty line');
  }
}

/** Key names are non-empty and have neither Unicode spaces nor `+` (signed-note, "Format"). */
function isKeyName(name: string): boolean {
  return name !== '' && !/[\p{White_Space}+]/u.test(name) && controlAt(name, false) < 0;
}

function requireKeyName(name: string, what: string): void {
  if (!isKeyName(name)) {
    throw new CheckpointFormatError(
      `the ${what} ${JSON.stringify(name)} must be non-empty, without spaces, '+' or controls`,
    );
  }
  requireWellFormed(name, what);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
