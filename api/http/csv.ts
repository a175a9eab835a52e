import { neutraliseFormula } from '../../lib/statements/csv';

/** A CSV column: `text` cells are made inert against spreadsheet formulas, `number` cells are left exact. */
export interface CsvColumn<T> {
  header: string;
  kind: 'text' | 'number';
  value: (row: T) => string | number | boolean | null | undefined;
}

/** RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break. */
export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => quote(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(c, row)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function cell<T>(column: CsvColumn<T>, row: T): string {
  const value = column.value(row);
  if (value === null || value === undefined) return '';
  const text = String(value);
  return quote(column.kind === 'text' ? neutraliseFormula(text) : text);
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
