/**
 * Where a cardholder authenticates: Sandbank's hosted 3-D Secure page (Stripe's is on
 * hooks.stripe.com). The URL names the account and the intent and carries the intent's client
 * secret, which the page checks, so only someone handed the URL can complete or fail it.
 */
export function authenticationUrl(origin: string, account: string, intentId: string, clientSecret: string): string {
  return `${origin}/sandbank/3ds/${account}/${intentId}?client_secret=${encodeURIComponent(clientSecret)}`;
}

/** The `{account}/{intent}` part of an authentication page path, or undefined for other paths. */
export function parseAuthenticationPath(path: string): { account: string; intentId: string } | undefined {
  const match = /^\/sandbank\/3ds\/(acct_[A-Za-z0-9]+)\/((?:pi|seti)_[A-Za-z0-9]+)$/.exec(path);
  return match ? { account: match[1] as string, intentId: match[2] as string } : undefined;
}
