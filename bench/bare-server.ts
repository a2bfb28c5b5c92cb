/**
 * The baseline for `npm run bench`: a bare `node:http` server that answers every request with one
 * fixed customer, pretty-printed the way Sandbank renders it (~1 KB). It reads request bodies, as
 * Sandbank does, and frames the response the same way (`writeHead` then `end`), so the ratio
 * measures what Sandbank adds on top of Node's HTTP stack: parsing, auth, validation, the store.
 *
 * Prints `bare listening on http://127.0.0.1:PORT` once bound (port from BARE_PORT, default 0).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const CUSTOMER = {
  id: 'cus_Qx3bEnchC0st0m',
  object: 'customer',
  address: null,
  balance: 0,
  created: 1_795_928_616,
  currency: null,
  default_source: null,
  delinquent: false,
  description: null,
  discount: null,
  email: 'bench@example.com',
  invoice_prefix: 'HHS9ULDF',
  invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
  livemode: false,
  metadata: { k: 'v' },
  name: 'Bench User',
  next_invoice_sequence: 1,
  phone: null,
  preferred_locales: [],
  shipping: null,
  tax_exempt: 'none',
  test_clock: null,
};

const BODY = `${JSON.stringify(CUSTOMER, null, 2)}\n`;

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;

server.listen(Number(process.env.BARE_PORT ?? 0), '127.0.0.1', () => {
  console.log(`bare listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
