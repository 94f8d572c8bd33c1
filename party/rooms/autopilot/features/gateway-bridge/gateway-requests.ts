import type { z } from "zod";
import type { Instance } from "../../../../../shared/protocol/instances";
import { DEVICE_CLIENT_ADDRESS } from "../../../../../shared/runtime/requests";
import type { GatewayRequest } from "../instance-store";
import type { ChannelPairingList, ExecApprovalRequest, PairRequest } from "./gateway-frames";
import { cutText } from "../../../../../shared/clip";

// A gateway's requests (exec approvals, device/node pairing, channel senders) as the
// room approvals that stand for them. Pure: the live events and the catch-up both record
// what these build, so the same request reads the same whichever path saw it first.
// Every field is cut to a bound: an approval is in every hello and every list page, and a
// client's own approvals.request may carry no more (16,000 characters of details).

type Named = Pick<Instance, "id" | "name">;

/** The command shown for a decision; a longer one says that it was cut. */
const COMMAND_CHARS = 4000;
/** Names, hosts, paths and summaries. */
const FIELD_CHARS = 500;
/** Ids, channel names and accounts (the decision sends them back to the gateway). */
const ID_CHARS = 200;
const MAX_SCOPES = 32;
const MAX_COMMANDS = 64;
const SCOPE_CHARS = 100;

export function execApproval(
  instance: Named,
  request: z.output<typeof ExecApprovalRequest>,
  threadId: string | null,
): GatewayRequest {
  const instanceId = instance.id;
  const full = request.request?.command ?? "(command not shown)";
  const command = cutText(full, COMMAND_CHARS);
  // A person must not approve a command believing they saw all of it.
  const cut =
    full.length > command.length
      ? `\n(cut: ${full.length - command.length} more characters; read the whole command in OpenClaw before approving)`
      : "";
  const cwd = request.request?.cwd ? cutText(request.request.cwd, FIELD_CHARS) : null;
  const host = request.request?.host ? cutText(request.request.host, FIELD_CHARS) : null;
  const sessionKey = request.request?.sessionKey ? cutText(request.request.sessionKey, 256) : null;
  return {
    instanceId,
    requestId: request.id,
    title: `${instance.name} wants to run: ${command.slice(0, 200)}`.slice(0, 200),
    details: [
      `Command: ${command}${cut}`,
      cwd ? `Working directory: ${cwd}` : null,
      host ? `Host: ${host}` : null,
      sessionKey ? `Session: ${sessionKey}` : null,
    ]
      .filter(Boolean)
      .join("\n"),
    risk: "high",
    threadId,
    expiresAt: request.expiresAtMs ?? null,
    action: { kind: "exec", instanceId, requestId: request.id, command, cwd, sessionKey },
  };
}

export function pairingApproval(
  instance: Named,
  target: "device" | "node",
  request: z.output<typeof PairRequest>,
): GatewayRequest {
  const instanceId = instance.id;
  const subject = cutText(request.deviceId ?? request.nodeId ?? request.requestId, ID_CHARS);
  const who = cutText(request.displayName ?? request.clientId ?? subject.slice(0, 12), 100);
  // Every device through the device entry reaches the gateway from one documentation address: say that, not an address.
  const from = request.remoteIp === DEVICE_CLIENT_ADDRESS ? "through the device entry" : request.remoteIp;
  const summary = cutText(
    [request.clientId, request.platform, from, request.isRepair ? "asks for more scopes" : null]
      .filter(Boolean)
      .join(" · "),
    FIELD_CHARS,
  );
  const scopes = (request.scopes ?? []).slice(0, MAX_SCOPES).map((scope) => cutText(scope, SCOPE_CHARS));
  const more =
    (request.scopes?.length ?? 0) > scopes.length ? ` (and ${(request.scopes?.length ?? 0) - scopes.length} more)` : "";
  // A person approving a node's surface must see what it lets the gateway run there.
  const commands = (request.commands ?? []).slice(0, MAX_COMMANDS).map((c) => cutText(c, SCOPE_CHARS));
  const moreCommands =
    (request.commands?.length ?? 0) > commands.length
      ? ` (and ${(request.commands?.length ?? 0) - commands.length} more)`
      : "";
  const runsCommands = commands.length
    ? `Commands it may then run for the gateway: ${commands.join(", ")}${moreCommands}`
    : null;
  return {
    instanceId,
    requestId: request.requestId,
    title: `Pair ${target} "${who}" with ${instance.name}`.slice(0, 200),
    details: [
      `${target === "device" ? "Device" : "Node"} ${subject}`,
      summary,
      scopes.length ? `Scopes: ${scopes.join(", ")}${more}` : null,
      runsCommands,
    ]
      .filter(Boolean)
      .join("\n"),
    risk: "high",
    threadId: null,
    expiresAt: null,
    action: { kind: "pairing", instanceId, target, requestId: request.requestId, subject, summary, scopes },
  };
}

type ChannelRequest = z.output<typeof ChannelPairingList>["requests"][number];

export function channelApproval(instance: Named, r: ChannelRequest): GatewayRequest {
  const instanceId = instance.id;
  const name = cutText(typeof r.metadata?.username === "string" ? `@${r.metadata.username}` : r.senderId, 100);
  const channel = cutText(r.channel, ID_CHARS);
  const accountId = cutText(r.accountId, ID_CHARS);
  const label = cutText(r.channelLabel ?? channel, 100);
  const summary = `${label} sender ${name} (account ${accountId})`;
  return {
    instanceId,
    requestId: r.requestId,
    title: `Let ${name} on ${label} talk to ${instance.name}`.slice(0, 200),
    details: summary,
    risk: "medium",
    threadId: null,
    expiresAt: r.expiresAt ? Date.parse(r.expiresAt) || null : null,
    action: {
      kind: "pairing",
      instanceId,
      target: "channel",
      requestId: r.requestId,
      subject: cutText(r.senderId, ID_CHARS),
      summary,
      scopes: [],
      channel: { channel, accountId },
    },
  };
}
