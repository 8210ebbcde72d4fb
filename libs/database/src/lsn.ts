/** PostgreSQL WAL positions (`16/B374D848`) as bigints, so they compare and subtract exactly. */
export const Lsn = {
  parse(text: string): bigint {
    const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
    if (!match) throw new RangeError(`not an LSN: ${text}`);
    return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
  },

  format(lsn: bigint): string {
    return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
  },
};
