import type { MethodName, MethodParsedParams, MethodResult } from "../../../../shared/protocol/methods";
import { updateSettings } from "../../../domain/settings";
import { getApproval, listApprovals, requestApproval, resolveApproval } from "../../../domain/approvals";
import { listAudit } from "../../../domain/audit";
import { startChat } from "../../../domain/chat-starts";
import { requestChannelAccess, requestConfigureChannel, requestDisconnectChannel } from "../../../channels/requests";
import type { OpContext } from "../../../domain/context";
import { RoomError } from "../../../domain/errors";
import { listSessions, openSession, refuseOwnDevice, sendToSession } from "../../../domain/gateway";
import { requestLink } from "../../../domain/gateway-links";
import { sendChat } from "../../../domain/gateway-outbox";
import { attachInstance, listInstances, requestInstanceOperation } from "../../../domain/instances";
import { cancelJob, failJob, finishJob, listJobs, startJob, updateJob } from "../../../domain/jobs";
import type { Page } from "../../../domain/paging";
import type { Sql } from "../../../domain/sql";
import { deleteMemory, listMemory, putMemory } from "../../../domain/memory";
import { goAhead } from "../../../domain/run-waiting";
import { searchRoom } from "../../../domain/search";
import { archiveThread, configureThread, createThread, listMessages, newThreadResponder, pageThreads, renameThread } from "../../../domain/threads";
import { listUsage } from "../../../domain/usage";
import { prepareDecision } from "./decisions";
import * as inbox from "../inbox/methods";
import { abortChat, applyGraph, listPresence, sessionHistory, updatePresence } from "./live";
import type { RequestContext } from "../context";

type Params<M extends MethodName> = MethodParsedParams<M>;
type Result<M extends MethodName> = MethodResult<M>;

/**
 * How the room answers a method:
 * - `mutate`: one transaction over the domain, its events committed with it; `prepare`
 *   (optional) runs first, outside it, and may make the request wait (e.g. for a gateway);
 * - `query`: a read;
 * - `local`: the room itself, with its live parts (context.ts).
 */
export type Handler<M extends MethodName> =
  | { kind: "mutate"; run: (ctx: OpContext, params: Params<M>, req: RequestContext) => Result<M>; prepare?: (req: RequestContext, params: Params<M>) => Promise<() => void> | undefined }
  | { kind: "query"; run: (sql: Sql, params: Params<M>) => Result<M> }
  | { kind: "local"; run: (req: RequestContext, params: Params<M>) => Result<M> | Promise<Result<M>> };

const mutate = <M extends MethodName>(
  run: (ctx: OpContext, params: Params<M>, req: RequestContext) => Result<M>,
  prepare?: (req: RequestContext, params: Params<M>) => Promise<() => void> | undefined,
): Handler<M> => (prepare ? { kind: "mutate", run, prepare } : { kind: "mutate", run });
const query = <M extends MethodName>(run: (sql: Sql, params: Params<M>) => Result<M>): Handler<M> => ({ kind: "query", run });
/** A list method's result: its page's items under their name, and where the next page starts. */
const paged = <T, R>(page: Page<T>, wrap: (items: T[]) => R): R & { next: Page<T>["next"] } => ({ ...wrap(page.items), next: page.next });
const local = <M extends MethodName>(run: (req: RequestContext, params: Params<M>) => Result<M> | Promise<Result<M>>): Handler<M> => ({ kind: "local", run });

/** Every method and how it is answered: adding a method means adding it here (and to shared/protocol/methods.ts). */
export const HANDLERS: { [M in MethodName]: Handler<M> } = {
  // With a model configured the Autopilot answers new threads (an agent key's only when a
  // person writes @autopilot); without one nobody does. A thread the Autopilot's tool
  // creates gets the defaults of whoever its run acts for.
  "threads.create": mutate((ctx, p, req) => createThread(ctx, p, null, newThreadResponder((ctx.onBehalfOf ?? ctx.actor).kind === "agent", p, req.room.modelConfigured()))),
  "threads.configure": mutate(configureThread),
  "threads.rename": mutate(renameThread),
  "threads.archive": mutate(archiveThread),
  "threads.list": query((sql, p) => paged(pageThreads(sql, p), (threads) => ({ threads }))),
  "messages.list": query(listMessages),
  "chat.send": mutate(sendChat),
  "chat.abort": local(abortChat),
  // Withdraws what the run waits for; the room resumes it as for any expired approval.
  "chat.goAhead": mutate(goAhead),
  "approvals.request": mutate((ctx, p) => requestApproval(ctx, p)),
  // A decision on work done for someone is taken only while they still have access; one on
  // a gateway's request reaches the gateway before the room records it (decisions.ts).
  "approvals.resolve": mutate(resolveApproval, prepareDecision),
  "approvals.list": query((sql, p) => paged(listApprovals(sql, p), (approvals) => ({ approvals }))),
  "approvals.get": query((sql, p) => {
    const approval = getApproval(sql, p.approvalId);
    if (!approval) throw new RoomError("not_found", `no approval ${p.approvalId}`);
    return { approval };
  }),
  "audit.list": query((sql, p) => listAudit(sql, p.before, p.limit)),
  "jobs.start": mutate(startJob),
  "jobs.update": mutate(updateJob),
  "jobs.finish": mutate(finishJob),
  "jobs.fail": mutate(failJob),
  "jobs.cancel": mutate(cancelJob),
  "jobs.list": query((sql, p) => paged(listJobs(sql, p), (jobs) => ({ jobs }))),
  "instances.provision": mutate((ctx, p) => requestInstanceOperation(ctx, "provision", p)),
  "instances.restart": mutate((ctx, p) => requestInstanceOperation(ctx, "restart", p)),
  "instances.backup": mutate((ctx, p) => requestInstanceOperation(ctx, "backup", p)),
  "instances.delete": mutate((ctx, p) => requestInstanceOperation(ctx, "delete", p)),
  "instances.restore": mutate((ctx, p) => requestInstanceOperation(ctx, "restore", p)),
  "instances.unpair": mutate((ctx, p) => {
    refuseOwnDevice(ctx.sql, p.instanceId, p.deviceId);
    return requestInstanceOperation(ctx, "unpair", p);
  }),
  "instances.startChat": mutate(startChat),
  "instances.link": mutate((ctx, p, req) => requestLink(ctx, p, req.room.bridges.linkPolicy())),
  "instances.details": local((req, p) => req.room.instanceDetails(p.instanceId)),
  "instances.deviceSetup": local((req, p) => req.room.devices.setup(req.principal, p.instanceId)),
  "instances.invokeNode": local((req, p) => req.room.devices.invokeNode(req.principal, p, req.approvedCall)),
  "instances.channels": local((req, p) => req.room.instanceChannels(p.instanceId)),
  "instances.configureChannel": mutate(requestConfigureChannel),
  "instances.disconnectChannel": mutate(requestDisconnectChannel),
  "instances.setChannelAccess": mutate(requestChannelAccess),
  "instances.attach": mutate((ctx, p) => attachInstance(ctx, p, true)),
  "instances.detach": mutate((ctx, p) => attachInstance(ctx, p, false)),
  "instances.list": query((sql) => ({ instances: listInstances(sql) })),
  "sessions.list": query((sql, p) => listSessions(sql, p.instanceId)),
  "sessions.open": mutate(openSession),
  "sessions.history": local(sessionHistory),
  "sessions.send": mutate(sendToSession),
  "graph.apply": local(applyGraph),
  "presence.list": local(listPresence),
  "presence.update": local(updatePresence),
  "memory.list": query(listMemory),
  "memory.put": mutate(putMemory),
  "memory.delete": mutate(deleteMemory),
  "settings.update": mutate(updateSettings),
  "usage.list": query(listUsage),
  "inbox.get": local(inbox.getInbox),
  "inbox.markRead": local(inbox.markRead),
  "inbox.follow": local(inbox.follow),
  "inbox.configure": local(inbox.configure),
  "inbox.pushSubscribe": local(inbox.pushSubscribe),
  "inbox.pushUnsubscribe": local(inbox.pushUnsubscribe),
  "search.query": query(searchRoom),
};
