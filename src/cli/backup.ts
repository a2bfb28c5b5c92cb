/**
 * `sandbank backup --db <sqlite file> --to <file>`: a consistent copy of a SQLite database, taken
 * while a server may be writing to it, with SQLite's online backup API (better-sqlite3's
 * `db.backup()`). Restoring is replacing the file while the server is stopped (docs/operations.md);
 * PostgreSQL has pg_dump for this.
 *
 * Why it is consistent and stays out of the server's way:
 * - The source is opened with a busy timeout, for the moments SQLite's shared WAL index is locked,
 *   and only read. (Not with SQLite's read-only flag: a read-only connection to a stopped server's
 *   database leaves `-wal` and `-shm` files behind that it may not clean up.)
 * - All pages are copied in one backup step, i.e. inside one read transaction: the copy is the
 *   database as of one commit. In WAL mode a reader never blocks the writer, so the server keeps
 *   committing meanwhile. (Copying in small steps would release the snapshot between steps, and a
 *   commit in between restarts the backup — under steady writes, possibly forever.)
 * - The copy is written under a temporary name beside the destination, checked with
 *   `PRAGMA quick_check`, and only then renamed into place, so `--to` never names a partial copy.
 */
import { existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { dbLocation, isPostgresUrl, MEMORY_DB, UsageError } from './serve-config.js';

export const BACKUP_USAGE = `  sandbank backup [--db PATH] --to FILE   (a consistent copy of a SQLite database, even while a server writes to it)`;

/** How long the backup waits for a lock on the source's WAL index before giving up. */
const BUSY_TIMEOUT_MS = 5_000;
/** Pages per backup step: everything at once (better-sqlite3's upper bound), for one consistent snapshot. */
const ALL_PAGES = 0x7fffffff;

function parse(args: string[]): { db: string; to: string } {
  let values: { db?: string; to?: string };
  try {
    ({ values } = parseArgs({ args, options: { db: { type: 'string' }, to: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const db = dbLocation(values, process.env);
  if (isPostgresUrl(db)) {
    throw new UsageError(
      'sandbank backup copies SQLite databases; back up PostgreSQL with pg_dump (docs/operations.md)',
    );
  }
  if (db === MEMORY_DB) throw new UsageError(`an in-memory database (${MEMORY_DB}) cannot be backed up`);
  if (values.to === undefined || values.to === '')
    throw new UsageError('backup needs --to FILE (where to write the copy)');
  return { db: resolve(db), to: resolve(values.to) };
}

/** Runs `sandbank backup …` (`args` after the word `backup`); prints one summary line. */
export async function runBackup(args: string[]): Promise<void> {
  const { db, to } = parse(args);
  if (!existsSync(db)) throw new Error(`no database at ${db}`);
  if (existsSync(to)) {
    const same = realpathSync(to) === realpathSync(db);
    throw new UsageError(
      same ? `--to names the database itself (${to})` : `${to} already exists; remove it or choose another name`,
    );
  }
  if (!existsSync(dirname(to))) throw new UsageError(`the directory of --to does not exist: ${dirname(to)}`);

  const started = performance.now();
  const partial = `${to}.partial-${process.pid}`;
  const source = new Database(db, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    await source.backup(partial, { progress: () => ALL_PAGES });
    check(partial);
    renameSync(partial, to);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    source.close();
  }
  const bytes = statSync(to).size;
  const ms = Math.round(performance.now() - started);
  console.log(`backed up ${db} to ${to} (${bytes} bytes in ${ms} ms)`);
}

/** Fails unless the copy at `path` is a sound SQLite database. */
function check(path: string): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    const result = copy.pragma('quick_check', { simple: true });
    if (result !== 'ok') throw new Error(`the copy failed SQLite's quick_check: ${String(result)}`);
  } finally {
    copy.close();
  }
}
