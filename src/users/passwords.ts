import { Algorithm, hash, verify } from '@node-rs/argon2';
import { randomInt } from 'node:crypto';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 50 ms here.
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the user does not exist, so an unknown email costs the same time as a
// wrong password and response times do not reveal which accounts exist.
let dummyHash: Promise<string> | undefined;
export async function spendVerifyTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('not a real password, only here to spend time');
  await verifyPassword(await dummyHash, password);
}

/** The problem with a proposed password, or undefined when it is acceptable. */
export function passwordProblem(
  password: string,
  context: { email?: string } = {},
): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH)
    return `it must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `it must have at most ${PASSWORD_MAX_LENGTH} characters`;
  if (new Set(password).size < 4) return 'it repeats too few different characters';
  if (context.email && password.toLowerCase().includes(context.email.split('@')[0].toLowerCase())) {
    return 'it must not contain the email name';
  }
  return undefined;
}

// No 0/O, 1/l/I: one-time passwords are read off a terminal and typed by hand.
const READABLE = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 20 characters from 56: about 116 bits. */
export function generatePassword(): string {
  let out = '';
  for (let i = 0; i < 20; i++) out += READABLE[randomInt(READABLE.length)];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15)}`;
}
