/**
 * The public base URL: what every link Sandbank hands out or stores starts with (the hosted 3-D
 * Secure page in `next_action.redirect_to_url.url`, and whatever hosted page comes next).
 *
 * It is configuration, never the request's `Host` header. A Host header is whatever the client
 * sent; a URL built from it and stored in an object lets one request plant a link (`Host:
 * evil.example"><script>`) that other clients later read and send browsers to.
 *
 * By default it is the address the server listens on. Where browsers reach Sandbank under another
 * name — a Docker container published on another port, a CI service called `sandbank`, a reverse
 * proxy with a path prefix — `--public-url` (`SANDBANK_PUBLIC_URL`, `createApp({ publicUrl })`)
 * says which. The hosted pages still answer on every address the server listens on.
 */

/** A host name (letters, digits, hyphens; underscores too, as Docker service names use them) or an IPv4 address. */
const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;

export const PUBLIC_URL_HINT =
  'an absolute http:// or https:// URL without credentials, query or fragment, e.g. http://sandbank:12111';

/**
 * Validates a public base URL and returns it normalised (lower-case scheme and host, default port
 * dropped, no trailing slash). Throws an `Error` saying what is wrong.
 */
export function parsePublicUrl(value: string): string {
  const fail = (why: string) => new Error(`invalid public URL ${JSON.stringify(value)}: ${why} (${PUBLIC_URL_HINT})`);
  if (!URL.canParse(value)) throw fail('not an absolute URL');
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`the scheme must be http or https`);
  if (url.username !== '' || url.password !== '') throw fail('it must not contain a user name or password');
  // `?` or `#` alone leave search and hash empty but would still end up in every link.
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) throw fail('it must not have a query or fragment');
  const bracketed = url.hostname.startsWith('[') && url.hostname.endsWith(']');
  if (!bracketed && !HOST_NAME.test(url.hostname)) throw fail(`${JSON.stringify(url.hostname)} is not a host name`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The base URL of a server listening on `host`:`port`. A wildcard address (0.0.0.0, ::) is not
 * one a browser can open, so it becomes the loopback address of its family.
 */
export function listeningUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '') return `http://127.0.0.1:${port}`;
  if (host === '::' || host === '::0') return `http://[::1]:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
