/** The public base URL (platform/public-url.ts): validation, normalisation, and the listening default. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listeningUrl, parsePublicUrl } from '../../src/platform/public-url.js';

describe('parsePublicUrl', () => {
  it('normalises scheme, host, default port and trailing slashes', () => {
    assert.equal(parsePublicUrl('HTTP://Sandbank:80/'), 'http://sandbank');
    assert.equal(parsePublicUrl('https://sandbank.example:443'), 'https://sandbank.example');
    assert.equal(parsePublicUrl('http://127.0.0.1:12111//'), 'http://127.0.0.1:12111');
    assert.equal(parsePublicUrl('http://[::1]:8080/prefix/'), 'http://[::1]:8080/prefix');
    assert.equal(parsePublicUrl('http://sandbank_api:12111'), 'http://sandbank_api:12111');
  });

  it('refuses anything but an absolute http(s) URL without credentials, query or fragment', () => {
    for (const bad of [
      '',
      'sandbank.example',
      'ws://sandbank.example',
      'http://:pw@sandbank.example',
      'http://sandbank.example?x',
      'http://sandbank.example/#',
      'http://a"b.example',
      'http://a$b.example',
    ]) {
      assert.throws(() => parsePublicUrl(bad), /^Error: invalid public URL /, bad);
    }
  });
});

describe('listeningUrl', () => {
  it('is the bound address, with wildcards replaced by loopback', () => {
    assert.equal(listeningUrl('127.0.0.1', 12111), 'http://127.0.0.1:12111');
    assert.equal(listeningUrl('0.0.0.0', 80), 'http://127.0.0.1:80');
    assert.equal(listeningUrl('::', 80), 'http://[::1]:80');
    assert.equal(listeningUrl('::1', 80), 'http://[::1]:80');
    assert.equal(listeningUrl('localhost', 80), 'http://localhost:80');
  });
});
