import type { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RECON_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import type { Logger } from '../log';

const { IndexedValueType } = temporal.api.enums.v1;

const INDEXED_VALUE_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** `Name=Type` flags for `temporal server start-dev --search-attribute`. */
export function searchAttributeFlags(keys: ReadonlyArray<{ name: string; type: SearchAttributeType }> = RECON_SEARCH_ATTRIBUTES): string[] {
  const cliType: Record<SearchAttributeType, string> = {
    TEXT: 'Text', KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList',
  };
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${cliType[key.type]}`]);
}

/** The two services these functions use: any client or connection has them. */
type TemporalServices = Pick<Connection, 'workflowService' | 'operatorService'>;

const NOT_FOUND = 5;
const NAMESPACE_RETENTION = '30 days';

/**
 * Makes sure `namespace` exists and has our search attributes, on any Temporal server we are
 * pointed at. Idempotent; safe to call at every start.
 */
export async function ensureNamespace(connection: TemporalServices, namespace: string, log: Logger): Promise<void> {
  const service = connection.workflowService;
  try {
    await service.describeNamespace({ namespace });
  } catch (error) {
    if ((error as { code?: number }).code !== NOT_FOUND) throw error;
    log.info({ namespace }, 'registering Temporal namespace');
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION) });
    await waitForNamespace(connection, namespace);
  }
  await ensureSearchAttributes(connection, namespace, log);
}

export async function ensureSearchAttributes(connection: TemporalServices, namespace: string, log: Logger): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = RECON_SEARCH_ATTRIBUTES.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  log.info({ namespace, searchAttributes: missing.map((k) => k.name) }, 'registering search attributes');
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]])),
  });
}

async function waitForNamespace(connection: TemporalServices, namespace: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`Temporal namespace ${namespace} was registered but is still not visible after 10 s`);
}
