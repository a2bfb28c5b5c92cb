/** Opens the store named by `--db`: a file path, `:memory:`, or a `postgres://` URL. Migrates on open. */
import type { Driver } from './driver.js';
import { PostgresDriver } from './postgres.js';
import { SqlStore } from './sql-store.js';
import { SqliteDriver } from './sqlite.js';
import type { Store } from './store.js';

export async function openStore(location: string): Promise<Store> {
  const driver: Driver = /^postgres(ql)?:\/\//.test(location)
    ? new PostgresDriver(location)
    : new SqliteDriver(location);
  try {
    await driver.migrate();
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
  return new SqlStore(driver);
}

export type * from './store.js';
