/**
 * Compares the shape of two JSON values: the same keys, the same JSON types, recursively. Used to
 * check that the simulator answers with the keys and types of the official examples; values
 * themselves are not compared.
 */

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'undefined' | 'non-JSON';

/** Bound on nesting, so a cyclic or absurdly deep value cannot recurse forever. */
const DEPTH_MAX = 64;

/**
 * Lists every difference as `path: problem`, e.g. `positions.0.market.symbol: missing` or
 * `transactions.0.size: expected string, got number`. Arrays: each actual element is compared with
 * the first expected element (an empty expected array says nothing about its elements). `null`
 * against any other value is a type mismatch.
 */
export function shapeDifferences(expected: unknown, actual: unknown, path = ''): string[] {
  return compare(expected, actual, path, 0);
}

function compare(expected: unknown, actual: unknown, path: string, depth: number): string[] {
  const here = path === '' ? '(root)' : path;
  if (depth > DEPTH_MAX) return [`${here}: nested deeper than ${DEPTH_MAX} levels`];
  const expectedType = jsonType(expected);
  const actualType = jsonType(actual);
  if (expectedType !== actualType) return [`${here}: expected ${expectedType}, got ${actualType}`];

  if (expectedType === 'array') {
    const [template] = expected as unknown[];
    if (template === undefined) return [];
    return (actual as unknown[]).flatMap((element, index) => compare(template, element, join(path, String(index)), depth + 1));
  }

  if (expectedType === 'object') {
    const expectedObject = expected as Record<string, unknown>;
    const actualObject = actual as Record<string, unknown>;
    const differences: string[] = [];
    for (const key of Object.keys(expectedObject)) {
      if (!Object.hasOwn(actualObject, key)) differences.push(`${join(path, key)}: missing`);
      else differences.push(...compare(expectedObject[key], actualObject[key], join(path, key), depth + 1));
    }
    for (const key of Object.keys(actualObject)) {
      if (!Object.hasOwn(expectedObject, key)) differences.push(`${join(path, key)}: unexpected key`);
    }
    return differences;
  }

  return [];
}

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'object':
    case 'undefined':
      return typeof value as JsonType;
    default:
      return 'non-JSON';
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
