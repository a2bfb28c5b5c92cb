/**
 * The shop's own database: orders, what happened to them, and which Stripe events have been
 * processed. SQLite through better-sqlite3, whose synchronous transactions make "process the event
 * and remember that we did" a single atomic step.
 */
import Database from 'better-sqlite3';

export type Db = Database.Database;

export function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE IF NOT EXISTS orders (
      id             TEXT PRIMARY KEY,
      amount         INTEGER NOT NULL,
      currency       TEXT NOT NULL,
      status         TEXT NOT NULL DEFAULT 'pending', -- pending | paid | payment_failed
      payment_intent TEXT,
      paid_at        TEXT
    );

    -- The side effect that must happen once per payment (in a real shop: ship the goods, send the
    -- receipt). Processing the same event twice would add a second row here.
    CREATE TABLE IF NOT EXISTS fulfillments (
      id             INTEGER PRIMARY KEY,
      order_id       TEXT NOT NULL REFERENCES orders (id),
      payment_intent TEXT NOT NULL,
      event_id       TEXT NOT NULL,
      created_at     TEXT NOT NULL
    );

    CREATE TABLE IF NOT EXISTS payment_failures (
      id             INTEGER PRIMARY KEY,
      order_id       TEXT,
      payment_intent TEXT NOT NULL,
      code           TEXT,
      decline_code   TEXT,
      message        TEXT,
      event_id       TEXT NOT NULL,
      created_at     TEXT NOT NULL
    );

    -- One row per Stripe event handled, written in the same transaction as its effects.
    CREATE TABLE IF NOT EXISTS processed_events (
      id           TEXT PRIMARY KEY,
      type         TEXT NOT NULL,
      processed_at TEXT NOT NULL
    );
  `);
  return db;
}

export interface Order {
  id: string;
  amount: number;
  currency: string;
  status: 'pending' | 'paid' | 'payment_failed';
  payment_intent: string | null;
  paid_at: string | null;
}
