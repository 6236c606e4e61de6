import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must not reach when GOVFLOW_WEBHOOK_PUBLIC_ONLY is on: this host and its
 * network (loopback, private, shared and link-local ranges, where cloud metadata services
 * live), and the reserved, documentation, multicast and unspecified ones (RFC 6890).
 */
const NOT_PUBLIC = new BlockList();
const V4: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const V6: [string, number][] = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];
for (const [network, prefix] of V4) NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of V6) NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** The host a URL connects to: its hostname, without the brackets of an IPv6 address. */
export function urlHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The URL names its host by an IP address, and that address is off the public internet (a name is judged only once resolved). */
export function isNonPublicAddressUrl(url: URL): boolean {
  const host = urlHost(url);
  return isIP(host) !== 0 && !isPublicAddress(host);
}

/** True for an IP address on the public internet; false for anything else, names included. */
export function isPublicAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1) is judged as the IPv4 address it carries.
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted) return isPublicAddress(dotted[1]);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [high, low] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
