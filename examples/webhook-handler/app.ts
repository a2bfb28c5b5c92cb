/**
 * A Stripe webhook handler done right:
 *
 * 1. Verify the signature on the raw body (`express.raw`, never `express.json`, on this route).
 * 2. Process each event at most once: its id goes into `processed_events` in the same SQLite
 *    transaction as its effects, so a redelivery (Stripe delivers at least once) is a no-op.
 * 3. Answer 2xx only once the work is committed. If anything throws, the transaction rolls back and
 *    the answer is 500, so Stripe retries later and nothing was half-done.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import type Stripe from 'stripe';
import { type Db, type Order, openDatabase } from './db.js';

export interface WebhookHandlerOptions {
  stripe: Stripe;
  /** The endpoint's signing secret (`whsec_…`), from the dashboard, `stripe listen` or `sandbank listen`. */
  endpointSecret: string;
  /** SQLite file (or `:memory:`). */
  dbPath: string;
  /** Test hook: return true to make the processing of `event` fail after its handler ran. */
  failNext?: (event: Stripe.Event) => boolean;
  logger?: Pick<Console, 'log' | 'error'>;
}

export interface WebhookHandler {
  app: express.Express;
  db: Db;
  close(): void;
}

export function createApp({
  stripe,
  endpointSecret,
  dbPath,
  failNext,
  logger = console,
}: WebhookHandlerOptions): WebhookHandler {
  const db = openDatabase(dbPath);
  const now = () => new Date().toISOString();

  const markProcessed = db.prepare(
    'INSERT INTO processed_events (id, type, processed_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const markPaid = db.prepare(
    "UPDATE orders SET status = 'paid', payment_intent = ?, paid_at = ? WHERE id = ? RETURNING id",
  );
  const fulfill = db.prepare(
    'INSERT INTO fulfillments (order_id, payment_intent, event_id, created_at) VALUES (?, ?, ?, ?)',
  );
  const recordFailure = db.prepare(
    `INSERT INTO payment_failures (order_id, payment_intent, code, decline_code, message, event_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  // A late failure event must not undo a payment that already succeeded (events can arrive out of order).
  const markFailed = db.prepare("UPDATE orders SET status = 'payment_failed' WHERE id = ? AND status = 'pending'");

  function onPaymentSucceeded(event: Stripe.PaymentIntentSucceededEvent): void {
    const pi = event.data.object;
    const orderId = pi.metadata.order_id;
    if (!orderId) return; // not one of our checkouts (e.g. `sandbank trigger payment_intent.succeeded`)
    if (!markPaid.get(pi.id, now(), orderId)) {
      logger.error(`${event.id}: ${pi.id} pays unknown order ${orderId}; ignored`);
      return;
    }
    fulfill.run(orderId, pi.id, event.id, now());
    logger.log(`order ${orderId} paid (${pi.amount} ${pi.currency}) by ${pi.id}`);
  }

  function onPaymentFailed(event: Stripe.PaymentIntentPaymentFailedEvent): void {
    const pi = event.data.object;
    const orderId = pi.metadata.order_id ?? null;
    const error = pi.last_payment_error;
    recordFailure.run(
      orderId,
      pi.id,
      error?.code ?? null,
      error?.decline_code ?? null,
      error?.message ?? null,
      event.id,
      now(),
    );
    if (orderId) markFailed.run(orderId);
    logger.log(`payment ${pi.id} for order ${orderId ?? '-'} failed: ${error?.message ?? 'unknown reason'}`);
  }

  /** Runs the event's handler and records the event, atomically; 'duplicate' if it was already processed. */
  const processOnce = db.transaction((event: Stripe.Event): 'processed' | 'duplicate' => {
    if (markProcessed.run(event.id, event.type, now()).changes === 0) return 'duplicate';
    switch (event.type) {
      case 'payment_intent.succeeded':
        onPaymentSucceeded(event);
        break;
      case 'payment_intent.payment_failed':
        onPaymentFailed(event);
        break;
      default:
        // Subscribed to more than we handle: acknowledge, so Stripe does not retry it.
        break;
    }
    if (failNext?.(event)) throw new Error(`simulated failure while processing ${event.id}`);
    return 'processed';
  });

  const app = express();

  app.post('/webhook', express.raw({ type: 'application/json' }), (req, res) => {
    let event: Stripe.Event;
    try {
      // req.body is the Buffer of the exact bytes Stripe signed.
      event = stripe.webhooks.constructEvent(req.body, req.headers['stripe-signature'] ?? '', endpointSecret);
    } catch (err) {
      logger.error(`webhook signature verification failed: ${(err as Error).message}`);
      res.status(400).send(`Webhook Error: ${(err as Error).message}`);
      return;
    }

    try {
      const outcome = processOnce(event);
      if (outcome === 'duplicate') logger.log(`${event.id} (${event.type}) already processed`);
      res.json({ received: true, ...(outcome === 'duplicate' ? { duplicate: true } : {}) });
    } catch (err) {
      // Nothing was committed; a 5xx makes Stripe deliver the event again later.
      logger.error(`processing ${event.id} (${event.type}) failed: ${(err as Error).message}`);
      res.status(500).json({ error: 'processing failed, please retry' });
    }
  });

  // Everything else is a normal JSON API. Mount express.json() per route (or after the webhook
  // route): a global JSON parser would consume the webhook body and break the signature check.

  /** Checkout: creates an order and the PaymentIntent that pays it; the client confirms it with Stripe.js. */
  app.post('/orders', express.json(), async (req, res) => {
    const { amount, currency = 'usd' } = req.body as { amount?: unknown; currency?: unknown };
    if (!Number.isInteger(amount) || typeof currency !== 'string') {
      res.status(400).json({ error: 'amount (integer, minor units) and currency are required' });
      return;
    }
    const orderId = `order_${randomUUID()}`;
    db.prepare('INSERT INTO orders (id, amount, currency) VALUES (?, ?, ?)').run(orderId, amount, currency);
    try {
      const pi = await stripe.paymentIntents.create(
        {
          amount: amount as number,
          currency,
          metadata: { order_id: orderId },
          automatic_payment_methods: { enabled: true },
        },
        { idempotencyKey: orderId },
      );
      db.prepare('UPDATE orders SET payment_intent = ? WHERE id = ?').run(pi.id, orderId);
      res.status(201).json({ order: orderId, payment_intent: pi.id, client_secret: pi.client_secret });
    } catch (err) {
      logger.error(`creating the PaymentIntent for ${orderId} failed: ${(err as Error).message}`);
      res.status(502).json({ error: (err as Error).message });
    }
  });

  app.get('/orders/:id', (req, res) => {
    const order = db.prepare('SELECT * FROM orders WHERE id = ?').get(req.params.id) as Order | undefined;
    if (order) res.json(order);
    else res.status(404).json({ error: 'no such order' });
  });

  return { app, db, close: () => db.close() };
}
