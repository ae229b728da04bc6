import ipaddr from 'ipaddr.js';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NotificationsConfig } from '../../config/notifications-env';

/**
 * Why an IP address may not be a webhook target (loopback, private, link-local, unique-local,
 * unspecified and every other non-public range), or undefined for a public unicast address.
 */
export function forbiddenRange(address: string): string | undefined {
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

function defaultPort(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

/** Whether WEBHOOK_ALLOWED_HOSTS exempts this URL's `host[:port]` from the address check. */
export function isAllowListed(url: URL, allowedHosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = defaultPort(url);
  return allowedHosts.some((entry) => entry === host || entry === `${host}:${port}`);
}

/**
 * The registration check of a webhook URL: the scheme, and every address its host resolves to.
 * Returns why the URL is refused, or undefined. Delivery checks again on the address it connects
 * to (a DNS answer may change in between).
 */
export async function refusalOfUrl(raw: string, config: NotificationsConfig['webhooks']): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.allowHttp)) {
    return config.allowHttp ? 'url must be an https:// or http:// URL' : 'url must be an https:// URL';
  }
  if (url.username !== '' || url.password !== '') return 'url must not carry credentials';
  if (url.hash !== '') return 'url must not have a fragment';
  if (isAllowListed(url, config.allowedHosts)) return undefined;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (isIP(host) !== 0) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch {
      return `url's host ${host} does not resolve`;
    }
  }
  for (const address of addresses) {
    const range = forbiddenRange(address);
    if (range !== undefined) return `url's host ${host} is or resolves to a ${range} address (${address}), which is not allowed`;
  }
  return undefined;
}
