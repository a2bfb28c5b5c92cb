/**
 * The caller's own account: `GET /v1/account` through the current SDK and stripe-node 8, updates
 * through `POST /v1/account` with `account.updated`, and Stripe-shaped refusals.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';
import { assertShape } from '../support/shape.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.close();
});

describe('GET /v1/account', () => {
  it('renders the account, with the settings Sandbank keeps, as the SDK types and fixture say', async () => {
    const stripe = server.stripe();
    const account = await stripe.accounts.retrieveCurrent();
    assertShape(account, 'Account', 'account');
    assert.match(account.id, /^acct_/);
    assert.equal(account.object, 'account');
    assert.equal(account.country, 'US');
    assert.equal(account.default_currency, 'usd');
    assert.equal(account.charges_enabled, true);
    assert.equal(account.payouts_enabled, true);
    assert.deepEqual(account.settings?.payouts?.schedule, { delay_days: 2, interval: 'daily' });
    assert.equal(account.business_profile?.name, null);
  });

  it('follows the country and currency set through Sandbank', async () => {
    const key = newSecretKey();
    const set = await http(server, 'POST', '/sandbank/v1/account', { key, body: 'country=GB' });
    assert.equal(set.status, 200, set.text);
    const account = await server.stripe(key).accounts.retrieveCurrent();
    assert.equal(account.country, 'GB');
    assert.equal(account.default_currency, 'gbp');
    assert.equal(account.settings?.payouts?.schedule.delay_days, 3);
  });

  it('answers stripe-node 8 (accounts.retrieve() with no id)', async () => {
    const require = createRequire(import.meta.url);
    const StripeV8 = require('stripe-v8');
    const key = newSecretKey();
    const old = new StripeV8(key, { apiVersion: '2020-08-27', host: '127.0.0.1', port: server.port, protocol: 'http' });
    const account = await old.accounts.retrieve();
    assert.equal(account.object, 'account');
    assert.equal(account.country, 'US');
  });
});

describe('POST /v1/account', () => {
  it('updates the profile and settings, emits account.updated with the previous attributes', async () => {
    const key = newSecretKey();
    const body = [
      'business_profile[name]=Sandbank+Coffee',
      'business_profile[support_email]=help%40example.com',
      'business_profile[support_address][country]=US',
      'email=owner%40example.com',
      'metadata[plan]=gold',
      'settings[dashboard][display_name]=Sandbank',
      'settings[dashboard][timezone]=Europe%2FBerlin',
      'settings[branding][primary_color]=%23ff0000',
      'settings[payouts][schedule][interval]=weekly',
      'settings[payouts][schedule][weekly_anchor]=friday',
      'settings[payouts][schedule][delay_days]=minimum',
      'settings[payouts][statement_descriptor]=SANDBANK',
    ].join('&');
    const res = await http(server, 'POST', '/v1/account', { key, body });
    assert.equal(res.status, 200, res.text);
    const account = await server.stripe(key).accounts.retrieveCurrent();
    assertShape(account, 'Account', 'account');
    assert.equal(account.business_profile?.name, 'Sandbank Coffee');
    assert.equal(account.business_profile?.support_address?.country, 'US');
    assert.equal(account.email, 'owner@example.com');
    assert.deepEqual(account.metadata, { plan: 'gold' });
    assert.equal(account.settings?.dashboard.timezone, 'Europe/Berlin');
    assert.equal(account.settings?.branding.primary_color, '#ff0000');
    assert.deepEqual(account.settings?.payouts?.schedule, {
      delay_days: 2,
      interval: 'weekly',
      weekly_anchor: 'friday',
    });
    const events = await server.stripe(key).events.list({ type: 'account.updated' });
    assert.equal(events.data.length, 1);
    const previous = events.data[0]?.data.previous_attributes as Record<string, unknown>;
    assert.equal((previous.business_profile as Record<string, unknown>).name, null);
    assert.equal(previous.email, null);
    // Unchanged values are not events.
    await http(server, 'POST', '/v1/account', { key, body: 'email=owner%40example.com' });
    assert.equal((await server.stripe(key).events.list({ type: 'account.updated' })).data.length, 1);
  });

  it('refuses bad values with Stripe-shaped errors, changing nothing', async () => {
    const key = newSecretKey();
    const cases: [string, string][] = [
      ['settings[payouts][schedule][interval]=monthly', 'settings[payouts][schedule][monthly_anchor]'],
      ['settings[payouts][schedule][delay_days]=1', 'settings[payouts][schedule][delay_days]'],
      ['settings[branding][primary_color]=red', 'settings[branding][primary_color]'],
      ['settings[dashboard][timezone]=Mars%2FOlympus', 'settings[dashboard][timezone]'],
      ['company[name]=x', 'company'],
    ];
    for (const [body, param] of cases) {
      const res = await http(server, 'POST', '/v1/account', { key, body });
      assert.equal(res.status, 400, body);
      assert.equal(res.json.error.type, 'invalid_request_error');
      assert.equal(res.json.error.param, param, body);
    }
    const account = await server.stripe(key).accounts.retrieveCurrent();
    assert.deepEqual(account.settings?.payouts?.schedule, { delay_days: 2, interval: 'daily' });
  });
});
