/** Opens the store named by `--db`: a file path, `:memory:`, or a `postgres://` URL. Migrates on open. */
import { createLogger, type Logger } from '../platform/log.js';
import type { Driver } from './driver.js';
import { PostgresDriver } from './postgres.js';
import { SqlStore } from './sql-store.js';
import { SqliteDriver } from './sqlite.js';
import type { Store } from './store.js';

export interface StoreOptions {
  /** Where the store reports trouble it survives (a dropped connection, a failing checkpoint). */
  logger?: Logger;
  /**
   * SQLite: fsync the WAL on every commit (`synchronous = FULL`), so not even power loss loses an
   * acknowledged write. PostgreSQL ignores it: there durability is the server's `synchronous_commit`.
   */
  fsync?: boolean;
}

export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? createLogger();
  const driver: Driver = /^postgres(ql)?:\/\//.test(location)
    ? new PostgresDriver(location, logger)
    : new SqliteDriver(location, logger, { fsync: options.fsync ?? false });
  try {
    await driver.migrate();
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return new SqlStore(driver);
}

export type * from './store.js';
