/**
 * The client-neutral side of the multi-SDK suite: a step (which resource, which method, ids, params,
 * request options) and what comes back (the object as plain JSON, or the error as Stripe sent it),
 * plus the interface every SDK adapter implements. Scenarios speak only this language, so each one
 * is written once and runs through stripe-node 8…23 and stripe-python alike.
 */
import type { SdkPackage } from '../support/sdk-shapes.js';

/** stripe-node's resource names; adapters map them to their SDK's (Customer, PaymentIntent, …). */
export type Resource =
  | 'balance'
  | 'balanceTransactions'
  | 'charges'
  | 'customers'
  | 'disputes'
  | 'events'
  | 'files'
  | 'invoices'
  | 'paymentIntents'
  | 'paymentMethods'
  | 'payouts'
  | 'prices'
  | 'products'
  | 'refunds'
  | 'setupIntents'
  | 'sources'
  | 'subscriptions'
  | 'tokens'
  | 'webhookEndpoints';

/**
 * stripe-node's method names (`del`, `createSource`, …); every method here takes its ids first,
 * then params, then options, in every SDK the suite drives.
 */
export type Method =
  | 'create'
  | 'retrieve'
  | 'update'
  | 'del'
  | 'list'
  | 'search'
  | 'confirm'
  | 'capture'
  | 'cancel'
  | 'close'
  | 'attach'
  | 'detach'
  | 'createSource'
  | 'listSources'
  | 'retrieveSource'
  | 'deleteSource'
  | 'createTaxId'
  | 'listTaxIds'
  | 'retrieveTaxId'
  | 'deleteTaxId';

export interface RequestOptions {
  idempotencyKey?: string;
  /** Overrides the client's pinned version for this one request. */
  apiVersion?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: scenarios assert on response bodies field by field
export type Json = any;

export interface Step {
  resource: Resource;
  method: Method;
  ids?: string[];
  params?: Record<string, unknown>;
  options?: RequestOptions;
}

/** A Stripe error as the SDK surfaced it. */
export interface SdkError {
  /** The SDK's exception class (`StripeCardError`, `CardError`, …): proves the SDK mapped it. */
  sdkClass: string;
  status: number | undefined;
  /** The body's `error` object (type, code, param, decline_code, message, charge, payment_intent, …). */
  error: Json;
  headers: Record<string, string>;
}

export type Outcome = { ok: true; object: Json; headers: Record<string, string> } | { ok: false; error: SdkError };

export interface UploadFile {
  name: string;
  data: Buffer;
  type: string;
}

/** One official SDK pinned to one API version. */
export interface SdkClient {
  /** `stripe-node 12 (2022-11-15)`. */
  readonly name: string;
  readonly apiVersion: string;
  /** The installed package whose declarations describe the shapes this client receives. */
  readonly shapes: SdkPackage;
  /** Whether this SDK maps an HTTP status to this error class family (for error assertions). */
  readonly errorClasses: { card: string; invalidRequest: string; idempotency: string; signature: string };
  call(key: string, step: Step): Promise<Outcome>;
  /** Every item of a list or search, through the SDK's own auto-pagination. */
  listAll(key: string, step: Step): Promise<Outcome>;
  /** `files.create` with a multipart upload. */
  upload(key: string, params: Record<string, unknown>, file: UploadFile): Promise<Outcome>;
  /** The SDK's webhook signature check (`constructEvent` / `Webhook.construct_event`). */
  constructEvent(payload: string, header: string, secret: string): Promise<Outcome>;
  close(): Promise<void>;
}
