/** Plain-text tables for human output: columns padded to their widest cell, two spaces apart. */

export function alignedRows(rows: readonly string[][]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  // The last cell is not padded: no trailing spaces.
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
}

export function printTable(header: string[], rows: string[][]): void {
  console.log(alignedRows([header, ...rows]).join('\n'));
}

/** What every `--json` prints: the value, indented. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
