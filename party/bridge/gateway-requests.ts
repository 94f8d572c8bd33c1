import type { z } from "zod";
import type { Instance } from "../../shared/protocol/instances";
import type { GatewayRequest } from "../domain/gateway";
import type { ChannelPairingList, ExecApprovalRequest, PairRequest } from "./gateway-frames";

// A gateway's requests (exec approvals, device/node pairing, channel senders) as the
// room approvals that stand for them. Pure: the live events and the catch-up both record
// what these build, so the same request reads the same whichever path saw it first.

type Named = Pick<Instance, "id" | "name">;

export function execApproval(instance: Named, request: z.output<typeof ExecApprovalRequest>, threadId: string | null): GatewayRequest {
  const instanceId = instance.id;
  const command = request.request?.command ?? "(command not shown)";
  const sessionKey = request.request?.sessionKey ?? null;
  return {
    instanceId,
    requestId: request.id,
    title: `${instance.name} wants to run: ${command}`.slice(0, 200),
    details: [
      `Command: ${command}`,
      request.request?.cwd ? `Working directory: ${request.request.cwd}` : null,
      request.request?.host ? `Host: ${request.request.host}` : null,
      sessionKey ? `Session: ${sessionKey}` : null,
    ]
      .filter(Boolean)
      .join("\n"),
    risk: "high",
    threadId,
    expiresAt: request.expiresAtMs ?? null,
    action: { kind: "exec", instanceId, requestId: request.id, command, cwd: request.request?.cwd ?? null, sessionKey },
  };
}

export function pairingApproval(instance: Named, target: "device" | "node", request: z.output<typeof PairRequest>): GatewayRequest {
  const instanceId = instance.id;
  const subject = request.deviceId ?? request.nodeId ?? request.requestId;
  const who = request.displayName ?? request.clientId ?? subject.slice(0, 12);
  const summary = [request.clientId, request.platform, request.remoteIp, request.isRepair ? "asks for more scopes" : null].filter(Boolean).join(" · ");
  return {
    instanceId,
    requestId: request.requestId,
    title: `Pair ${target} "${who}" with ${instance.name}`.slice(0, 200),
    details: [`${target === "device" ? "Device" : "Node"} ${subject}`, summary, request.scopes?.length ? `Scopes: ${request.scopes.join(", ")}` : null].filter(Boolean).join("\n"),
    risk: "high",
    threadId: null,
    expiresAt: null,
    action: { kind: "pairing", instanceId, target, requestId: request.requestId, subject, summary, scopes: request.scopes ?? [] },
  };
}

type ChannelRequest = z.output<typeof ChannelPairingList>["requests"][number];

export function channelApproval(instance: Named, r: ChannelRequest): GatewayRequest {
  const instanceId = instance.id;
  const name = typeof r.metadata?.username === "string" ? `@${r.metadata.username}` : r.senderId;
  const summary = `${r.channelLabel ?? r.channel} sender ${name} (account ${r.accountId})`;
  return {
    instanceId,
    requestId: r.requestId,
    title: `Let ${name} on ${r.channelLabel ?? r.channel} talk to ${instance.name}`.slice(0, 200),
    details: summary,
    risk: "medium",
    threadId: null,
    expiresAt: r.expiresAt ? Date.parse(r.expiresAt) || null : null,
    action: { kind: "pairing", instanceId, target: "channel", requestId: r.requestId, subject: r.senderId, summary, scopes: [], channel: { channel: r.channel, accountId: r.accountId } },
  };
}
