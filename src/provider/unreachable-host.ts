import { BlockList, isIP } from "node:net";
import { isLoopback } from "../client/credentials";

/**
 * Address ranges that are not reachable from the internet, hence not from DigitalOcean's
 * importer, which downloads the image from DigitalOcean's own network: RFC 6890's special-purpose
 * registries (https://www.iana.org/assignments/iana-ipv4-special-registry/,
 * https://www.iana.org/assignments/iana-ipv6-special-registry/).
 */
const RANGES: readonly { kind: string; ipv4: readonly [string, number][]; ipv6: readonly [string, number][] }[] = [
  // 169.254.169.254 is the metadata service of most clouds, DigitalOcean's Droplets included.
  { kind: "a link-local address", ipv4: [["169.254.0.0", 16]], ipv6: [["fe80::", 10]] },
  {
    kind: "a private address",
    ipv4: [
      ["10.0.0.0", 8],
      ["172.16.0.0", 12],
      ["192.168.0.0", 16],
      ["100.64.0.0", 10],
    ],
    ipv6: [["fc00::", 7]],
  },
  {
    kind: "an address that is not routed on the internet",
    ipv4: [
      ["0.0.0.0", 8],
      ["192.0.0.0", 24],
      ["192.0.2.0", 24],
      ["198.18.0.0", 15],
      ["198.51.100.0", 24],
      ["203.0.113.0", 24],
      ["224.0.0.0", 3],
    ],
    ipv6: [
      ["::", 128],
      ["2001:db8::", 32],
      ["ff00::", 8],
    ],
  },
];

const LISTS = RANGES.map(({ kind, ipv4, ipv6 }) => {
  const list = new BlockList();
  for (const [network, prefix] of ipv4) list.addSubnet(network, prefix, "ipv4");
  for (const [network, prefix] of ipv6) list.addSubnet(network, prefix, "ipv6");
  return { kind, list };
});

/**
 * Names that never resolve to a public address: `localhost` and its subdomains (RFC 6761 §6.3),
 * mDNS's `.local` (RFC 6762) and `.internal`, which ICANN reserved for private use in 2024.
 */
const PRIVATE_NAME = /(^|\.)(localhost|local|internal)\.?$/i;

/**
 * What makes a URL's host unreachable from DigitalOcean, worded to follow "names", or undefined
 * when it may be reachable. `hostname` as `URL.hostname` spells it (IPv6 in brackets, IPv4 in
 * dotted decimal whatever the URL's text said). A name is not resolved: check stays pure, and the
 * name may resolve differently where DigitalOcean resolves it.
 */
export function unreachableHostKind(hostname: string): string | undefined {
  if (isLoopback(hostname)) return "a loopback address";
  if (PRIVATE_NAME.test(hostname)) return "a name that resolves only on a private network";
  const address = hostname.replace(/^\[(.*)\]$/, "$1");
  const version = isIP(address);
  if (version === 0) return undefined;
  return LISTS.find(({ list }) => list.check(address, version === 4 ? "ipv4" : "ipv6"))?.kind;
}
