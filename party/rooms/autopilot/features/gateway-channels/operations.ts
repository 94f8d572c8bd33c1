// An approved channel change runs as a job (instance-store's held requests), on the instance's
// gateway through its bridge (hosted or linked alike). A gateway's error may quote what it was
// sent, so a token is cut out of any text that leaves this file.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { WhatsAppLogin } from "../../../../../shared/protocol/channels";
import {
  type ChannelAccess,
  type ChannelSecret,
  configureChannel,
  disconnectChannel,
  type GatewayCaller,
  setChannelAccess,
} from "./gateway";
import { channelRequest, channelSecrets, heldChannelRequests } from "./requests";
import { redactedText } from "./token-shapes";
import { gatewayNotConnected, getInstance, type HeldSettleDeps, settleHeld } from "../instance-store";
import type { RoomServices } from "../../kernel/services";
import type { Sql } from "../../../../domain/sql";
import { LinkCancelled, linkWhatsApp, loginUnderway, markUnlinked, tellLogin } from "./whatsapp";

/** What a channel change needs of the room: the instances' operations give it (features/instances/operations.ts). */
export interface ChannelOperationDeps extends HeldSettleDeps {
  /** The Worker secret waiting channel tokens are sealed under (BETTER_AUTH_SECRET): only this feature opens them. */
  sealingSecret: string;
  /** The room's clock (a WhatsApp link is given up after its window). */
  now?(): number;
  /** The instance's live gateway link (its bridge): a channel is changed through the gateway's own methods. */
  gateway?(instanceId: string): { readonly channels?: GatewayCaller } | undefined;
  /** An event to some of the room's sockets: where a WhatsApp link stands is pushed as it changes (whatsapp.ts). */
  toScope?: RoomServices["toScope"];
}

/** A secret as a URL in an error may carry it: as is, percent-encoded (either case of hex), encoded twice. */
function escapedForms(value: string): string[] {
  const once = encodeURIComponent(value);
  return [
    ...new Set([
      value,
      once,
      once.replace(/%[0-9A-F]{2}/g, (sequence) => sequence.toLowerCase()),
      encodeURIComponent(once),
    ]),
  ];
}

/** `text` with every secret in it replaced (by value, escaped too), then any other token shape, cut at `max`. */
export function withoutSecrets(text: string, secret: ChannelSecret | null, max = 2000): string {
  let out = text;
  for (const value of [secret?.botToken, secret?.appToken])
    if (value) for (const form of escapedForms(value)) out = out.split(form).join("[hidden]");
  return redactedText(out, max);
}

const accessLine = (access: ChannelAccess) =>
  `DMs: ${access.dmPolicy}; allowed: ${access.allowFrom.length > 0 ? access.allowFrom.join(", ") : "(none)"}`;

/** A decided channel approval: an approved one runs; any other just drops what it held. */
export function settleChannelApproval(deps: ChannelOperationDeps, approval: Approval): Promise<void> {
  const secrets = channelSecrets(deps.sealingSecret, deps.workspaceId);
  const held = { ...heldChannelRequests, read: (sql: Sql, id: string) => channelRequest(sql, id, secrets) };
  return settleHeld(deps, approval, held, {
    scrub: (text, request) => withoutSecrets(text, request?.secret ?? null),
    // Stopped by a person (the app's dialog closed): not a failure.
    cancelled: (error) => (error instanceof LinkCancelled ? error.message : null),
    run: async (request, operation) => {
      const link = deps.gateway?.(request.instanceId);
      const gateway = link?.channels;
      if (!link || !gateway)
        throw gatewayNotConnected({ id: request.instanceId, sleep: getInstance(deps.sql, request.instanceId)?.sleep });
      const to = deps.toScope;
      const tell = (login: WhatsAppLogin) => to && tellLogin(to, request.instanceId, login);
      switch (operation) {
        case "configureChannel":
          if (request.channel === "whatsapp") {
            if (loginUnderway(link))
              throw new Error("a WhatsApp link is already under way: scan its QR code, or wait for it to end");
            return linkWhatsApp(link, gateway, request.accountId, deps.now ?? Date.now, tell);
          }
          if (!request.secret) throw new Error("the request holds no token");
          await configureChannel(gateway, request.channel, request.accountId, request.secret);
          return `${request.channel} configured; it connects once the gateway reaches its service`;
        case "disconnectChannel":
          await disconnectChannel(gateway, request.channel, request.accountId);
          if (request.channel === "whatsapp") markUnlinked(link, request.accountId, (deps.now ?? Date.now)(), tell);
          return `${request.channel} logged out`;
        case "channelAccess":
          if (!request.access || request.channel === "whatsapp") throw new Error("the request holds no access to set");
          await setChannelAccess(gateway, request.channel, request.access);
          return `${request.channel}: ${accessLine(request.access)}`;
        default:
          throw new Error(`${operation} is not a channel operation`);
      }
    },
  });
}
