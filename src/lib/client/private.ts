/**
 * Addresses a link in the data must not make this machine fetch: loopback,
 * the province's private networks, link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT, multicast and reserved ranges. A
 * decision's file link is opened by BTXH from the internet, so a link to such
 * an address is wrong data anyway; fetching it from inside would turn the
 * link check into a probe of the internal network (SSRF).
 */
import { BlockList, isIP } from 'net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'dns';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** Is this IP address (v4 or v6, an IPv4-mapped v6 included) one of the ranges above? */
export function isPrivateIp(ip: string): boolean {
  const a = ip.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const v = isIP(a);
  if (v === 4) return blocked.check(a, 'ipv4');
  if (v === 6) return blocked.check(a, 'ipv6');
  return false;
}

/** A host name that is this machine whatever DNS says. */
export function isLocalName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Node's error for a name that resolves to a refused address; classified as `documentPrivate`. */
export const PRIVATE_CODE = 'EPRIVATEADDR';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The agents' `lookup` for document checks: every address a name resolves to
 * is checked at connect time, so a name that resolves to a public address for
 * a first look and to 127.0.0.1 for the request (DNS rebinding) is refused too.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions | number, callback: LookupCallback): void {
  const opts: LookupOptions = typeof options === 'number' ? { family: options } : options ?? {};
  dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    if (!list.length || list.some((a) => isPrivateIp(a.address))) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private or loopback address`), { code: PRIVATE_CODE }), []);
    }
    if (opts.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
