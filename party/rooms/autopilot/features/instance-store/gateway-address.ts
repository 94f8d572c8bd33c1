// Which gateway addresses a room may dial for `instances.link`. Shape (scheme, no
// credentials/query/fragment, length) is the protocol's (shared/protocol/instance-links.ts);
// this is the deployment's policy on hosts.
import { RoomError } from "../../../../domain/errors";
import { v4Private, v6PrivateReason } from "../../../../../shared/ip-address";

export interface LinkPolicy {
  /**
   * Loopback, private, link-local and intranet names. Off by default: in production a
   * Worker must not be pointed at the operator's own network by a workspace member.
   * `npm start` and the tests turn it on (a local gateway is on loopback).
   */
  allowPrivate: boolean;
}

/** LINKED_GATEWAY_ALLOW_PRIVATE="1" lets linked gateways live on private addresses. */
export interface LinkPolicyVars {
  LINKED_GATEWAY_ALLOW_PRIVATE?: string | undefined;
}

export function readLinkPolicy(env: LinkPolicyVars): LinkPolicy {
  return { allowPrivate: env.LINKED_GATEWAY_ALLOW_PRIVATE?.trim() === "1" };
}

const INTRANET_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp"];

/** Why a host is not on the public internet, or null when it looks public. */
export function privateHostReason(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (host.startsWith("[")) return v6PrivateReason(host.slice(1, -1));
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
  if (url.username || url.password || url.search || url.hash)
    throw new RoomError(
      "bad_request",
      "the gateway URL may not carry credentials, a query or a fragment: give the token separately",
    );
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
