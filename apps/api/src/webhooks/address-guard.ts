import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

/** Addresses a webhook may never reach unless the operator allows private networks. */
const blocked = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata lives here)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
  ["64:ff9b::", 96], // NAT64 of any IPv4 address, private ones included
  ["2001:db8::", 32], // documentation
] as const) {
  blocked.addSubnet(network, prefix, "ipv6");
}

/** True for a loopback, link-local, private, multicast or otherwise non-public IP address. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family !== 6) return true; // not an address: never trusted
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, "ipv4");
  return blocked.check(address, "ipv6");
}

/** Thrown when a webhook URL resolves to an address it may not reach. */
export class ForbiddenAddressError extends Error {
  constructor(readonly host: string, readonly address: string) {
    super(`${host} resolves to ${address}, a loopback, link-local or private address (set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow)`);
    this.name = "ForbiddenAddressError";
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves as usual and then refuses any
 * private address: the check runs on the address the socket connects to,
 * so a name that resolved to a public address at registration and to a
 * private one now (DNS rebinding) is still refused.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options }, (error, address, family) => {
    if (error) return callback(error, address as string, family);
    const addresses = Array.isArray(address) ? address : [{ address, family }];
    const forbidden = addresses.find((entry) => isPrivateAddress(entry.address));
    if (forbidden) return callback(Object.assign(new ForbiddenAddressError(hostname, forbidden.address), { code: "EFORBIDDEN" }), "");
    callback(null, address as string | LookupAddress[], family);
  });
}

/** Resolves `hostname` (or takes it as a literal address) and throws ForbiddenAddressError for a private one. */
export async function assertPublicHost(hostname: string): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw new ForbiddenAddressError(host, host);
    return;
  }
  await new Promise<void>((resolve, reject) =>
    guardedLookup(host, { all: true }, (error) => (error ? reject(error) : resolve())),
  );
}
