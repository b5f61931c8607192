import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RecordText } from 'src/records/record-draft';

export interface SealedText {
  dataKey: Buffer;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/**
 * A record's prompt and output under a key of its own (AES-256-GCM, the record id as associated
 * data so a ciphertext cannot be moved to another record). Erasure deletes the key: the
 * ciphertext stays, unreadable, and the record body, which holds only salted commitments, still
 * verifies.
 */
export function sealText(recordId: string, text: RecordText): SealedText {
  const dataKey = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(Buffer.from(recordId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(text), 'utf8'), cipher.final()]);
  return { dataKey, iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Throws when the key, the ciphertext, the tag or the record id do not belong together. */
export function openText(recordId: string, sealed: SealedText): RecordText {
  const decipher = createDecipheriv('aes-256-gcm', sealed.dataKey, sealed.iv);
  decipher.setAAD(Buffer.from(recordId, 'utf8'));
  decipher.setAuthTag(sealed.tag);
  const plain = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as RecordText;
}
