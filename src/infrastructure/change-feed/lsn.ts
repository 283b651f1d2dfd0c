const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses a PostgreSQL LSN (`16/B374D848`) into a 64-bit number. Throws a TypeError otherwise. */
export function parseLsn(lsn: string): bigint {
  const match = LSN.exec(lsn);
  if (!match)
    throw new TypeError(`invalid LSN ${JSON.stringify(lsn)}: expected like "16/B374D848"`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Formats a 64-bit WAL position the way PostgreSQL prints it. */
export function formatLsn(value: bigint): string {
  if (value < 0n || value > 0xffff_ffff_ffff_ffffn)
    throw new RangeError(`LSN out of range: ${value}`);
  const high = (value >> 32n).toString(16).toUpperCase();
  const low = (value & 0xffff_ffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareLsn(a: string, b: string): number {
  const d = parseLsn(a) - parseLsn(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}
