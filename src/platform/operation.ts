/**
 * Operations and the route table. An operation is one API endpoint: method, path pattern, parameter
 * schema, whether a publishable key may call it, and a handler. Read handlers get a `Reader`; write
 * handlers run inside one store transaction and get a `Transaction`, so the compiler keeps writes
 * inside transactions.
 */
import type { Account, EventWrite, JobWrite, Reader, Transaction } from '../store/store.js';
import type { Principal } from './auth.js';
import { accountClock, type Clock } from './clock.js';
import type { ExpandRoot } from './expand.js';
import type { UploadedFile } from './multipart.js';
import type { Field } from './params.js';

export type Json = Record<string, unknown>;
export type PathParams = Record<string, string>;

export interface ReadContext {
  account: Account;
  principal: Principal;
  reader: Reader;
  clock: Clock;
  requestId: string;
  version: string;
  /** Where this server is reached, e.g. `http://127.0.0.1:12111` (for URLs it hands out). */
  origin: string;
  /** Files uploaded in a multipart/form-data body, by parameter name (platform/multipart.ts). */
  uploads?: ReadonlyMap<string, UploadedFile>;
}

/** The request an event records: `request.id` and `request.idempotency_key`. */
export interface EventRequest {
  id: string;
  idempotency_key: string | null;
}

/**
 * Where a change's events go: the events table and whatever fans them out (webhook deliveries), all
 * in the transaction that made the change (events/outbox.ts).
 */
export interface EventSink {
  publish(tx: Transaction, event: EventWrite): Promise<void>;
}

/**
 * What domain services need to change state. An API request provides it, and so does a scheduled
 * job (with `request: null`, as Stripe's events for changes nobody requested have).
 */
export interface MutationContext {
  account: Account;
  tx: Transaction;
  clock: Clock;
  origin: string;
  request: EventRequest | null;
  events: EventSink;
  /**
   * Work that is due now (`scheduleJob` with a due time that has come): it runs in this same
   * transaction once the caller is done — after an API response is rendered, so the response shows
   * the state before it, as Stripe's does — instead of costing a job row and a second commit.
   */
  dueNow: JobWrite[];
  /**
   * The test clock this work runs on (Billing: a customer created with `test_clock`), or absent for
   * the account's clock. `clock` then reads the test clock's frozen time, and every job scheduled
   * through this context belongs to that clock: it runs when the clock is advanced, not in real time.
   */
  testClock?: string;
}

/**
 * The context of a change nobody made through the API (a hosted page's form, a browser returning
 * from 3-D Secure): the account's clock, no request, nothing due yet.
 */
export function unrequestedContext(opts: {
  account: Account;
  tx: Transaction;
  /** Real time; the account's offset is applied. */
  clock: Clock;
  origin: string;
  events: EventSink;
}): MutationContext {
  const { account, tx, clock, origin, events } = opts;
  return { account, tx, clock: accountClock(clock, account), origin, request: null, events, dueNow: [] };
}

export interface WriteContext extends ReadContext, MutationContext {
  tx: Transaction;
  request: EventRequest;
}

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Operation {
  method: Method;
  path: string;
  name: string;
  publishable: boolean;
  write: boolean;
  schema: Field<unknown>;
  /** What it returns, so `expand[]` can be checked before it runs. */
  returns: ExpandRoot;
  run(ctx: ReadContext | WriteContext, input: unknown, path: PathParams): Promise<Json>;
}

interface Definition<P, C> {
  method: Method;
  path: string;
  name: string;
  params: Field<P>;
  returns: ExpandRoot;
  /** Whether a publishable key may call it (Stripe allows very few such endpoints). */
  publishable?: boolean;
  handler(ctx: C, input: P, path: PathParams): Promise<Json>;
}

export function readOperation<P>(def: Definition<P, ReadContext>): Operation {
  return {
    method: def.method,
    path: def.path,
    name: def.name,
    publishable: def.publishable ?? false,
    write: false,
    schema: def.params as Field<unknown>,
    returns: def.returns,
    run: (ctx, input, path) => def.handler(ctx, input as P, path),
  };
}

export function writeOperation<P>(def: Definition<P, WriteContext>): Operation {
  return {
    method: def.method,
    path: def.path,
    name: def.name,
    publishable: def.publishable ?? false,
    write: true,
    schema: def.params as Field<unknown>,
    returns: def.returns,
    run: (ctx, input, path) => def.handler(ctx as WriteContext, input as P, path),
  };
}

interface CompiledRoute {
  op: Operation;
  segments: string[];
}

/** Matches method + path to an operation. Literal segments beat `:params` (`/customers/search` before `/customers/:id`). */
export class Router {
  private readonly exact = new Map<string, Operation>();
  private readonly patterns: CompiledRoute[] = [];

  constructor(operations: Operation[]) {
    for (const op of operations) {
      if (op.path.includes('/:')) this.patterns.push({ op, segments: op.path.split('/') });
      else this.exact.set(`${op.method} ${op.path}`, op);
    }
  }

  match(method: string, path: string): { op: Operation; params: PathParams } | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return { op: exact, params: {} };
    const segments = path.split('/');
    for (const route of this.patterns) {
      if (route.op.method !== method || route.segments.length !== segments.length) continue;
      const params = matchSegments(route.segments, segments);
      if (params) return { op: route.op, params };
    }
    return undefined;
  }
}

function matchSegments(pattern: string[], actual: string[]): PathParams | undefined {
  const params: PathParams = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i] as string;
    const got = actual[i] as string;
    if (want.startsWith(':')) {
      if (got === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(got);
      } catch {
        return undefined;
      }
      // No id contains NUL, and PostgreSQL rejects it in a query parameter (a 500 instead of a 404).
      if (value.includes('\u0000')) return undefined;
      params[want.slice(1)] = value;
    } else if (want !== got) return undefined;
  }
  return params;
}
