const UNITS = ['KiB', 'MiB', 'GiB'];

/**
 * Two sizes in one binary unit (the larger's), each with as many decimals (one to three) as it
 * takes to tell them apart, else in exact bytes: a refusal reading "2.0 GiB, more than 2.0 GiB"
 * would refuse a size for equalling the limit.
 */
export function byteSizes(a: number, b: number): [string, string] {
  const largest = Math.max(a, b);
  const unit = largest >= 1024 ** 3 ? 3 : largest >= 1024 ** 2 ? 2 : largest >= 1024 ? 1 : 0;
  for (let decimals = 1; unit > 0 && decimals <= 3; decimals += 1) {
    const [x, y] = [a, b].map((n) => `${(n / 1024 ** unit).toFixed(decimals)} ${UNITS[unit - 1]}`);
    if (x !== y || a === b) return [x, y];
  }
  return [`${a.toLocaleString('en-US')} bytes`, `${b.toLocaleString('en-US')} bytes`];
}
