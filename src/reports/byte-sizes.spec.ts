import { byteSizes } from 'src/reports/byte-sizes';

describe('byteSizes', () => {
  it('gives both sizes in the larger one’s unit, with one decimal when that tells them apart', () => {
    expect(byteSizes(4.7 * 1024 ** 2, 1024 ** 2)).toEqual(['4.7 MiB', '1.0 MiB']);
    expect(byteSizes(2.5 * 1024 ** 3, 512 * 1024 ** 2)).toEqual(['2.5 GiB', '0.5 GiB']);
    expect(byteSizes(3_000, 1_024)).toEqual(['2.9 KiB', '1.0 KiB']);
  });

  it('adds decimals, then falls back to bytes, until sizes that differ read differently', () => {
    // 100,000 records of 2.3.0 at 8 tokens against the 2 GiB ceiling: once "2.0 GiB" both.
    expect(byteSizes(2_158_000_000, 2 ** 31)).toEqual(['2.01 GiB', '2.00 GiB']);
    expect(byteSizes(2 ** 31 + 5_000_000, 2 ** 31)).toEqual(['2.005 GiB', '2.000 GiB']);
    expect(byteSizes(2 ** 31 + 1, 2 ** 31)).toEqual(['2,147,483,649 bytes', '2,147,483,648 bytes']);
    expect(byteSizes(900, 512)).toEqual(['900 bytes', '512 bytes']);
  });
});
