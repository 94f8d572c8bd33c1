// Which gateway addresses a room may dial for `instances.link`. Shape (scheme, no
// credentials/query/fragment, length) is the protocol's (shared/protocol/instance-links.ts);
// this is the deployment's policy on hosts.
import { RoomError } from "./errors";

export interface LinkPolicy {
  /**
   * Loopback, private, link-local and intranet names. Off by default: in production a
   * Worker must not be pointed at the operator's own network by a workspace member.
   * `npm start` and the tests turn it on (a local gateway is on loopback).
   */
  allowPrivate: boolean;
}

/** LINKED_GATEWAY_ALLOW_PRIVATE="1" lets linked gateways live on private addresses. */
export function readLinkPolicy(env: { LINKED_GATEWAY_ALLOW_PRIVATE?: string | undefined }): LinkPolicy {
  return { allowPrivate: env.LINKED_GATEWAY_ALLOW_PRIVATE?.trim() === "1" };
}

/** IPv4 ranges that are not the public internet: [first octets, prefix length]. */
const PRIVATE_V4: readonly [number[], number][] = [
  [[0], 8], // "this network"
  [[10], 8],
  [[100, 64], 10], // carrier-grade NAT
  [[127], 8],
  [[169, 254], 16], // link-local (cloud metadata services live here)
  [[172, 16], 12],
  [[192, 0, 0], 24],
  [[192, 168], 16],
  [[198, 18], 15], // benchmarking
  [[224], 3], // multicast and reserved, 224.0.0.0 and up
];

function v4Private(host: string): boolean | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const value = parts.reduce((acc, p) => acc * 256 + Number(p), 0);
  return PRIVATE_V4.some(([octets, bits]) => {
    const base = [...octets, 0, 0, 0, 0].slice(0, 4).reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - bits);
    return value >= base && value < base + size;
  });
}

function v6Private(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  // IPv4-mapped (::ffff:a.b.c.d, which URL writes as ::ffff:xxxx:xxxx): judge the IPv4 part.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const hi = Number.parseInt(mapped[1]!, 16);
    const lo = Number.parseInt(mapped[2]!, 16);
    return v4Private(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`) ?? true;
  }
  // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
  return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("ff");
}

const INTRANET_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp"];

/** Why a host is not on the public internet, or null when it looks public. */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) return v6Private(host.slice(1, -1)) ? "a loopback, private or link-local IPv6 address" : null;
  const v4 = v4Private(host);
  if (v4 !== null) return v4 ? "a loopback, private, link-local or reserved IPv4 address" : null;
  if (host === "localhost" || INTRANET_SUFFIXES.some((s) => host.endsWith(s))) return "a local or intranet name";
  if (!host.includes(".")) return "a single-label (intranet) name";
  return null;
}

/**
 * The http(s) URL the room dials for a linked gateway (workerd opens outbound WebSockets
 * with fetch + Upgrade on an http: URL), or a `bad_request` saying what is refused. Runs
 * when the link is requested and again before every dial (the policy may have changed).
 */
export function gatewayDialUrl(raw: string, policy: LinkPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RoomError("bad_request", "the gateway URL is not a valid URL");
  }
  const scheme = { "ws:": "http:", "http:": "http:", "wss:": "https:", "https:": "https:" }[url.protocol];
  if (!scheme) throw new RoomError("bad_request", "the gateway URL must start with ws://, wss://, http:// or https://");
  if (url.username || url.password || url.search || url.hash) throw new RoomError("bad_request", "the gateway URL may not carry credentials, a query or a fragment: give the token separately");
  const reason = privateHostReason(url.hostname);
  if (reason && !policy.allowPrivate) {
    throw new RoomError(
      "bad_request",
      `the gateway URL points at ${reason} (${url.hostname}); this server links only gateways on public addresses (its operator can allow private ones with LINKED_GATEWAY_ALLOW_PRIVATE=1)`,
      {
        reason: "private_address",
      },
    );
  }
  url.protocol = scheme;
  return url.toString();
}
