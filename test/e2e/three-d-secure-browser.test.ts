/**
 * The hosted 3-D Secure page in a real browser (Debian's Chromium driven by playwright-core): open
 * `next_action.redirect_to_url.url`, click Complete or Fail, and land on the merchant's
 * `return_url` with Stripe's query parameters. Raw-HTTP checks cover what a browser cannot show
 * easily: wrong secrets, wrong states, headers.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import type Stripe from 'stripe';
import { http, newSecretKey, startServer, type TestServer } from '../support/server.js';

const CHROMIUM = '/usr/bin/chromium';
// Skipped only outside CI: in CI (.ci/run installs it) a missing browser must fail, not pass quietly.
const noBrowser =
  existsSync(CHROMIUM) || process.env.CI === 'true'
    ? false
    : `Chromium is not installed (${CHROMIUM}: apt-get install chromium)`;
const SCREENSHOT = new URL('../../.tmp/3ds-page.png', import.meta.url).pathname;

let server: TestServer;
let browser: Browser | undefined;

/** The merchant's site: records where the browser came back to. */
let merchant: Server;
let merchantUrl: string;
const returns: URL[] = [];

before(async () => {
  server = await startServer();
  merchant = createServer((req, res) => {
    returns.push(new URL(req.url ?? '/', merchantUrl));
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>Merchant</title><h1>Back at the shop</h1>');
  });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  merchantUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}`;
  if (!noBrowser) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => merchant?.close(() => resolve()));
  await server?.close();
});

/** The text of the first `selector` on the page. */
async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? '';
}

function stripe(): Stripe {
  return server.stripe(newSecretKey());
}

/** A SetupIntent waiting for 3-D Secure, to come back to `returnUrl`. */
async function setupNeedingAuth(s: Stripe, returnUrl: string | null) {
  const si = await s.setupIntents.create({
    payment_method: 'pm_card_authenticationRequiredOnSetup',
    confirm: true,
    ...(returnUrl ? { return_url: returnUrl } : { allowed_payment_method_types: ['card'] }),
  });
  assert.equal(si.status, 'requires_action');
  const url =
    si.next_action?.redirect_to_url?.url ??
    (si.next_action?.use_stripe_sdk as { stripe_js?: string } | undefined)?.stripe_js;
  assert.ok(url, 'the intent says where to authenticate');
  return { si, url };
}

async function returnedTo(path: string): Promise<URL> {
  const found = returns.find((u) => u.pathname === path);
  assert.ok(found, `the browser came back to ${path}`);
  return found;
}

describe('3-D Secure page in a browser', { skip: noBrowser }, () => {
  it('completes authentication and returns to the merchant with Stripe’s parameters', async () => {
    const s = stripe();
    const customer = await s.customers.create();
    const si0 = await s.setupIntents.create({
      customer: customer.id,
      payment_method: 'pm_card_authenticationRequiredOnSetup',
      confirm: true,
      return_url: `${merchantUrl}/complete?order=7`,
    });
    const url = String(si0.next_action?.redirect_to_url?.url);
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(url);
      assert.equal(await page.title(), 'Sandbank test 3D Secure');
      const shown = await text(page, 'main');
      assert.match(shown, /Authenticate this card setup/);
      assert.match(shown, /Visa •••• 3155/);
      assert.match(shown, new RegExp(si0.id));
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });

      await Promise.all([
        page.waitForURL(`${merchantUrl}/complete?**`),
        page.getByRole('button', { name: 'Complete authentication' }).click(),
      ]);
      assert.equal(await text(page, 'h1'), 'Back at the shop');
    } finally {
      await page.close();
    }
    const back = await returnedTo('/complete');
    assert.equal(back.searchParams.get('order'), '7');
    assert.equal(back.searchParams.get('setup_intent'), si0.id);
    assert.equal(back.searchParams.get('setup_intent_client_secret'), si0.client_secret);
    assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
    const si = await s.setupIntents.retrieve(si0.id);
    assert.equal(si.status, 'succeeded');
    const pms = await s.customers.listPaymentMethods(customer.id);
    assert.deepEqual(
      pms.data.map((pm) => pm.id),
      [si.payment_method],
    );
  });

  it('fails authentication and returns with redirect_status=failed', async () => {
    const s = stripe();
    const { si: si0, url } = await setupNeedingAuth(s, `${merchantUrl}/fail`);
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(url);
      await Promise.all([
        page.waitForURL(`${merchantUrl}/fail?**`),
        page.getByRole('button', { name: 'Fail authentication' }).click(),
      ]);
    } finally {
      await page.close();
    }
    const back = await returnedTo('/fail');
    assert.equal(back.searchParams.get('setup_intent'), si0.id);
    assert.equal(back.searchParams.get('redirect_status'), 'failed');
    const si = await s.setupIntents.retrieve(si0.id);
    assert.equal(si.status, 'requires_payment_method');
    assert.equal(si.last_setup_error?.code, 'setup_intent_authentication_failure');
  });

  it('without a return_url, says the window can be closed; a second visit has nothing to do', async () => {
    const s = stripe();
    const { si: si0, url } = await setupNeedingAuth(s, null);
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(url);
      await page.getByRole('button', { name: 'Complete authentication' }).click();
      await page.waitForSelector('text=Authentication complete');
      assert.match(await text(page, 'main'), /You can close this window/);
      await page.goto(url);
      assert.match(await text(page, 'h1'), /Nothing to authenticate/);
      assert.equal(await page.getByRole('button').count(), 0);
    } finally {
      await page.close();
    }
    assert.equal((await s.setupIntents.retrieve(si0.id)).status, 'succeeded');
  });

  it('authenticates a PaymentIntent, showing its amount', async () => {
    const s = stripe();
    const pi0 = await s.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: `${merchantUrl}/paid`,
    });
    assert.equal(pi0.status, 'requires_action');
    const page = await (browser as Browser).newPage();
    try {
      await page.goto(String(pi0.next_action?.redirect_to_url?.url));
      const shown = await text(page, 'main');
      assert.match(shown, /Authenticate this payment/);
      assert.match(shown, /\$20\.00/);
      await Promise.all([
        page.waitForURL(`${merchantUrl}/paid?**`),
        page.getByRole('button', { name: 'Complete authentication' }).click(),
      ]);
    } finally {
      await page.close();
    }
    const back = await returnedTo('/paid');
    assert.equal(back.searchParams.get('payment_intent'), pi0.id);
    assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
    assert.equal((await s.paymentIntents.retrieve(pi0.id)).status, 'succeeded');
  });
});

describe('3-D Secure page over HTTP', () => {
  async function raw(method: string, url: string, body?: string) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      ...(body !== undefined ? { body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } } : {}),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  it('is plain HTML under a strict policy, with no secret leaking through the referrer', async () => {
    const { url } = await setupNeedingAuth(stripe(), `${merchantUrl}/x`);
    const res = await raw('GET', url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(res.text, /<script|https?:\/\//);
    assert.match(res.text, /name="outcome" value="complete"/);
    assert.match(res.text, /name="outcome" value="fail"/);
  });

  it('answers 404 for a wrong or missing client secret, and unknown intents', async () => {
    const { si, url } = await setupNeedingAuth(stripe(), `${merchantUrl}/x`);
    const base = url.slice(0, url.indexOf('?'));
    assert.equal((await raw('GET', base)).status, 404);
    assert.equal((await raw('GET', `${base}?client_secret=${si.id}_secret_wrong`)).status, 404);
    assert.equal((await raw('POST', `${base}?client_secret=${si.id}_secret_wrong`, 'outcome=complete')).status, 404);
    assert.equal((await raw('GET', `${server.url}/sandbank/3ds/acct_nope/seti_nope?client_secret=x`)).status, 404);
    assert.equal((await raw('GET', `${server.url}/sandbank/3ds/nonsense`)).status, 404);
    // The intent is untouched.
    assert.equal((await raw('GET', url)).status, 200);
  });

  it('answers 400 for a bad outcome or an intent that no longer waits, and 303 to the return_url', async () => {
    const s = stripe();
    const { si, url } = await setupNeedingAuth(s, `${merchantUrl}/done?a=1#top`);
    assert.equal((await raw('POST', url, 'outcome=maybe')).status, 400);
    const done = await raw('POST', url, 'outcome=complete');
    assert.equal(done.status, 303);
    const location = new URL(done.headers.get('location') ?? '');
    assert.equal(location.pathname, '/done');
    assert.equal(location.hash, '#top');
    assert.equal(location.searchParams.get('a'), '1');
    assert.equal(location.searchParams.get('setup_intent'), si.id);
    assert.equal(location.searchParams.get('redirect_status'), 'succeeded');
    const again = await raw('POST', url, 'outcome=fail');
    assert.equal(again.status, 400);
    assert.match(again.text, /status of succeeded/);
    assert.equal((await raw('PUT', url)).status, 405);
  });

  it('leaves the API alone', async () => {
    const res = await http(server, 'GET', '/v1/setup_intents', {});
    assert.equal(res.status, 200);
  });
});
