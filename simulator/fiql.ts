/**
 * The FIQL subset `/history/activity` accepts (§4.1): `field==a,b` or `field!=a`, clauses joined
 * by `;` (AND), over epic, source, status and type.
 */
const FIELDS = ['epic', 'source', 'status', 'type'] as const;
type Field = (typeof FIELDS)[number];

interface Clause {
  field: Field;
  negated: boolean;
  values: string[];
}

export type FiqlFilter = (row: Partial<Record<Field, string>>) => boolean;

/** The filter, or an error message naming the bad clause. */
export function parseFiql(text: string): FiqlFilter | { error: string } {
  const clauses: Clause[] = [];
  for (const part of text.split(';')) {
    const match = /^([a-zA-Z]+)(==|!=)(.+)$/.exec(part.trim());
    if (!match) return { error: `bad clause '${part}'` };
    const [, field, operator, list] = match as unknown as [string, string, string, string];
    if (!(FIELDS as readonly string[]).includes(field)) return { error: `unknown field '${field}'` };
    const values = list.split(',').map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) return { error: `no values in '${part}'` };
    clauses.push({ field: field as Field, negated: operator === '!=', values });
  }
  return (row) => clauses.every((c) => c.values.includes(row[c.field] ?? '') !== c.negated);
}
