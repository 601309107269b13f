import net from 'node:net';
import { invalidInput } from '../shared/errors';

/**
 * Checks a destination URL: http or https, a host, no credentials in it. With
 * `allowPrivate` false, loopback, private, link-local and unspecified addresses (written as IP
 * literals or `localhost`) are refused, so an admin key cannot aim pushes at the internal
 * network; names resolving to such addresses are not looked up (see docs/pushes.md).
 */
export function validateDestinationUrl(text: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidInput('url', `expected an absolute http or https URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidInput('url', `expected an http or https URL, got the scheme "${url.protocol}"`);
  if (url.username || url.password)
    throw invalidInput('url', 'must not hold credentials; the destination secret signs requests');
  if (!allowPrivate && isPrivateHost(url.hostname))
    throw invalidInput(
      'url',
      `"${url.hostname}" is a private or loopback address, refused (HARMONY_PUSH_ALLOW_PRIVATE_URLS=false)`,
    );
  return url.toString();
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) {
    const [a, b] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (net.isIPv6(host)) {
    if (host === '::' || host === '::1') return true;
    if (host.startsWith('::ffff:')) return isPrivateHost(host.slice(7));
    return /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}
