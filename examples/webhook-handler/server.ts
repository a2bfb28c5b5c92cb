/**
 * Runs the webhook handler. Configuration comes from the environment:
 *
 *   STRIPE_SECRET_KEY      sk_test_…
 *   STRIPE_WEBHOOK_SECRET  whsec_… (printed by `sandbank listen` / `stripe listen`, or returned on endpoint create)
 *   STRIPE_API_BASE        optional, e.g. http://127.0.0.1:12111 to talk to Sandbank instead of api.stripe.com
 *   PORT                   default 3000
 *   DATABASE_PATH          default ./webhook-handler.db
 */
import Stripe from 'stripe';
import { createApp } from './app.js';

const {
  STRIPE_SECRET_KEY,
  STRIPE_WEBHOOK_SECRET,
  STRIPE_API_BASE,
  PORT = '3000',
  DATABASE_PATH = 'webhook-handler.db',
} = process.env;

if (!STRIPE_SECRET_KEY || !STRIPE_WEBHOOK_SECRET) {
  console.error('Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (see README.md).');
  process.exit(1);
}

/** `http://127.0.0.1:12111` → the SDK's host/port/protocol options. */
function apiBase(url: string): Stripe.StripeConfig {
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: Number(u.port) || (protocol === 'http' ? 80 : 443), protocol };
}

const stripe = new Stripe(STRIPE_SECRET_KEY, STRIPE_API_BASE ? apiBase(STRIPE_API_BASE) : {});
const { app, close } = createApp({ stripe, endpointSecret: STRIPE_WEBHOOK_SECRET, dbPath: DATABASE_PATH });

const server = app.listen(Number(PORT), () => {
  console.log(`Webhook handler listening on http://localhost:${PORT}/webhook`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => close()));
}
