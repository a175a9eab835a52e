import type { Artifact } from './artifact';
import { writeCsvStatement } from './csv';
import { writeHledgerJournal } from './hledger';
import { writeJsonStatement } from './json';
import type { StatementSource } from './model';
import { writePdfStatement } from './pdf';
import { writeXlsxStatement } from './xlsx';

/** Choices that change a format's bytes (recorded with the run, so re-renders repeat them). */
export interface FormatOptions {
  /** Start the CSV files with a UTF-8 byte order mark, for Excel. */
  csvBom?: boolean;
}

type Writer = (source: StatementSource, dir: string, baseName: string, options: FormatOptions) => Promise<Artifact[]>;

/** Every statement format, in the order a run writes them. */
export const STATEMENT_FORMATS = {
  csv: (source, dir, base, options) => writeCsvStatement(source, dir, base, { bom: options.csvBom === true }),
  json: (source, dir, base) => writeJsonStatement(source, dir, base),
  xlsx: async (source, dir, base) => [await writeXlsxStatement(source, dir, base)],
  pdf: async (source, dir, base) => [await writePdfStatement(source, dir, base)],
  hledger: (source, dir, base) => writeHledgerJournal(source, dir, base),
} satisfies Record<string, Writer>;

export type StatementFormat = keyof typeof STATEMENT_FORMATS;
