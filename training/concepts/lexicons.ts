/**
 * Curated word lists for the concept rules. Long lists live in lexicons/ by theme; taxonomy.ts keeps
 * each concept's few strong triggers next to its definition.
 */
export * from 'training/concepts/lexicons/geography';
export * from 'training/concepts/lexicons/offensive';
export * from 'training/concepts/lexicons/people';
export * from 'training/concepts/lexicons/register';

/**
 * Every "first second" phrase: the way a rule says "this word counts only before these words"
 * ("black" + "voters") while staying plain data.
 */
export function cross(first: readonly string[], second: readonly string[]): string[] {
  return first.flatMap((a) => second.map((b) => `${a} ${b}`));
}
