import type { z } from 'zod';
import { badRequest, type FieldIssue } from './errors';

export type InputPart = 'query' | 'params' | 'body';

/** `value` checked against `schema`; otherwise a 400 naming every bad field and why. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: InputPart): z.output<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => toFieldIssue(issue, part));
  return throwBadRequest(issues);
}

function throwBadRequest(issues: FieldIssue[]): never {
  throw badRequest(issues.map((i) => `${i.field}: ${i.reason}`).join('; '), issues);
}

function toFieldIssue(issue: z.core.$ZodIssue, part: InputPart): FieldIssue {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [part, ...issue.path.map(String)].join('.');
  if (keys.length > 0) return { field: keys.map((k) => `${path}.${k}`).join(', '), reason: 'unknown parameter' };
  // zod says "expected string, received undefined"; a caller needs to hear that it is missing.
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return { field: path, reason: 'required' };
  return { field: path, reason: issue.message };
}
