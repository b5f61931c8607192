/** Number and text formats of explanation statements: one format everywhere, for lay readers. */

/** A share as a percentage: one decimal below 10% ("4.2%"), whole numbers from there ("52%"). */
export function percent(share: number): string {
  const value = share * 100;
  const oneDecimal = Math.round(value * 10) / 10;
  if (Math.abs(oneDecimal) < 10) return `${oneDecimal.toFixed(1)}%`;
  return `${Math.round(value)}%`;
}

/** A ratio such as a lift, with one decimal: "1.7×". */
export function times(ratio: number): string {
  return `${(Math.round(ratio * 10) / 10).toFixed(1)}×`;
}

/** A context effect in nats with its sign and two decimals: "+2.31", "−0.74". */
export function nats(effect: number): string {
  const fixed = Math.abs(effect).toFixed(2);
  return effect < 0 ? `−${fixed}` : `+${fixed}`;
}

/**
 * How many times more likely the word made the text (e^effect), in words a lay reader can follow:
 * "about 10 times", "about 1.3 times".
 */
export function likelihoodFactor(effect: number): string {
  const factor = Math.exp(Math.abs(effect));
  const shown =
    factor >= 10 ? Math.round(factor).toString() : (Math.round(factor * 10) / 10).toFixed(1);
  return `about ${shown} times`;
}

/** A score in 0..1 with two decimals: "0.72". */
export function score(value: number): string {
  return value.toFixed(2);
}

/** Quoted in typographic double quotes, as the statements quote names, words and details. */
export function quoted(text: string): string {
  return `“${text}”`;
}

/** "a", "a and b", "a, b and c". */
export function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
