import { CloseCode } from "../../../shared/protocol/errors";
import { protocolRefusal, type ProtocolWindow, requestedProtocol } from "../../../shared/protocol/version";
import { viewOf } from "./view-tags";
import type { AdmittedSocket } from "./connection-state";
import { parsePrincipalHeader, PRINCIPAL_HEADER } from "./principal-header";
import { mayReadWorkspace } from "./reading";

export type Admission = ({ ok: true } & AdmittedSocket) | { ok: false; code: number; reason: string };

/**
 * Who is connecting and from where they resume, read from the upgrade request (or why they may
 * not): in the room for its own sockets, in the delivery object for those it holds (kernel/tier.ts).
 */
export function admitConnection(
  request: Request,
  now: number,
  /** The versions spoken today (party/rooms/shared/protocol-window.ts). */
  window: ProtocolWindow,
): Admission {
  const url = new URL(request.url);
  const principal = parsePrincipalHeader(request.headers.get(PRINCIPAL_HEADER));
  if (!principal) return { ok: false, code: CloseCode.unauthenticated, reason: "unauthenticated" };
  // A version in the room's window today; its frames go out in that version's shapes (the
  // socket's tag, socket-fanout.ts).
  // The Worker refuses these before they reach a room (party/index.ts); the room checks again
  // for what reaches it otherwise.
  const refused = protocolRefusal(url.searchParams.get("protocol"), window);
  if (refused !== null) return { ok: false, code: CloseCode.protocolUnsupported, reason: refused };
  const protocol = requestedProtocol(url.searchParams.get("protocol"))!;
  const lastSeq = url.searchParams.get("lastSeq");
  // A principal that may not read views nothing: what it asked is ignored, as its tag says (view-tags.ts).
  const view = mayReadWorkspace(principal) ? viewOf(url, protocol) : null;
  return {
    ok: true,
    state: {
      principal,
      device: (url.searchParams.get("device") ?? "unknown").slice(0, 64),
      connectedAt: now,
      status: null,
      ...(view ? { view } : {}),
    },
    lastSeq: lastSeq !== null && /^\d+$/.test(lastSeq) ? Number(lastSeq) : null,
    epoch: url.searchParams.get("epoch"),
  };
}
