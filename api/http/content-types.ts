/** What a statement file is, by its extension: the Content-Type a download is served with. */
const CONTENT_TYPES: ReadonlyArray<[string, string]> = [
  ['.csv', 'text/csv; charset=utf-8'],
  ['.json', 'application/json'],
  ['.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['.pdf', 'application/pdf'],
  // The hledger journal is plain text that hledger and people both read.
  ['.journal', 'text/plain; charset=utf-8'],
];

export function contentTypeOf(file: string): string | undefined {
  return CONTENT_TYPES.find(([extension]) => file.endsWith(extension))?.[1];
}
