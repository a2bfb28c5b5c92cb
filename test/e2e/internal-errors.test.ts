/**
 * A bug or a broken store must reach the client as Stripe's 500 `api_error` naming the request id —
 * never a stack trace — and be reported to the server's error hook with that id.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Stripe from 'stripe';
import type { StoredObject } from '../../src/store/store.js';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
const reported: { err: unknown; requestId: string }[] = [];

before(async () => {
  server = await startServer({ onInternalError: (err, requestId) => reported.push({ err, requestId }) });
});
after(() => server.close());

describe('internal errors', () => {
  it('answer 500 api_error with the request id, report the error, and reveal nothing else', async () => {
    const key = newSecretKey();
    const created = await server.stripe(key).customers.create({ name: 'Before the fire' });
    const store = server.app.store;
    const original = store.getObject.bind(store);
    store.getObject = async (): Promise<StoredObject | undefined> => {
      throw new Error('disk on fire: /secret/path/sandbank.db');
    };
    try {
      const res = await http(server, 'GET', `/v1/customers/${created.id}`, { key });
      assert.equal(res.status, 500);
      const requestId = res.headers.get('request-id') as string;
      assert.match(requestId, /^req_[0-9A-Za-z]{14}$/);
      assert.equal(res.json.error.type, 'api_error');
      assert.equal(
        res.json.error.message,
        `An unknown error occurred while processing your request (${requestId}). Please try again later.`,
      );
      assert.doesNotMatch(res.text, /disk on fire|secret|\bat \w+ \(/);
      assert.equal(reported.at(-1)?.requestId, requestId);
      assert.match(String(reported.at(-1)?.err), /disk on fire/);

      // The SDK maps it to StripeAPIError (and would retry it).
      await assert.rejects(server.stripe(key).customers.retrieve(created.id), (err: Stripe.errors.StripeError) => {
        assert.ok(err instanceof Stripe.errors.StripeAPIError);
        assert.equal(err.statusCode, 500);
        return true;
      });
    } finally {
      store.getObject = original;
    }
    const again = await server.stripe(key).customers.retrieve(created.id);
    assert.equal(again.id, created.id, 'the server keeps serving afterwards');
  });

  it('are not what a client hanging up mid-request is: that is neither answered nor reported', async () => {
    const before = reported.length;
    const socket = connect(server.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /v1/customers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${newSecretKey()}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nname=half',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(reported.length, before, String(reported.at(-1)?.err));
    const health = await http(server, 'GET', '/v1/customers?limit=1');
    assert.equal(health.status, 200);
  });
});
