import type { Db } from 'mongodb';
import type { Logger } from '../lib/log';

/** What every activity may use; workers build it once and tests pass their own. */
export interface ActivityDeps {
  db: Db;
  log: Logger;
}
