import type { ChatStream } from "../../../../../shared/protocol/gateway";
import type { HelloPayload, Snapshot } from "../../../../../shared/protocol/hello";
import type { Principal } from "../../../../../shared/protocol/principal";
import { PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { cutText } from "../../../../../shared/clip";
import { EMPTY_SNAPSHOT } from "../../../../../shared/empty-snapshot";
import { currentSeq, type ResumePlan } from "../commit";
import type { SnapshotPart } from "../feature";
import { buildSnapshot } from "./snapshot";

/** What `live.streams` may carry in all when no feature says otherwise (the instances do: GATEWAY_HELLO_STREAM_BYTES). */
export const HELLO_STREAM_BYTES = 32 * 1024;
import type { Sql } from "../../../../domain/sql";

export interface HelloInput {
  sql: Sql;
  connectionId: string;
  workspaceId: string;
  epoch: string;
  principal: Principal;
  plan: ResumePlan;
  /** Who is here, bounded (protocol 17), on every hello. */
  presence: HelloPayload["presence"];
  /** The features' collections: only read for a snapshot, and only for a principal that may read. */
  snapshot: () => SnapshotPart;
  /** Whether the principal may read the workspace (party/rooms/shared/reading.ts): else its snapshot is UNREAD_SNAPSHOT. */
  readable: boolean;
  live: HelloPayload["live"];
  agent: HelloPayload["agent"];
  /** The principal's read markers (protocol 10), on every hello: a resume may have missed their moves. */
  reads: HelloPayload["reads"];
  limits: HelloPayload["limits"];
  /** What `live.streams` may carry in all (HELLO_STREAM_BYTES when no feature says). */
  streamBytes?: number;
  /** The capabilities the room offers to the socket's version (shared/protocol/capabilities.ts). */
  capabilities?: string[];
  /** The socket's version leaves the window soon (shared/protocol/version.ts). */
  deprecated?: HelloPayload["deprecated"];
}

/** The first frame of a connection: a bounded snapshot, or what the replay that follows starts from. */
export function buildHello(input: HelloInput): HelloPayload {
  const { plan } = input;
  return {
    protocol: PROTOCOL_VERSION,
    connectionId: input.connectionId,
    workspaceId: input.workspaceId,
    // A principal that may not read is never sent the log, so it has nothing to resume from:
    // its epoch is not the log's, and the room greets it with a snapshot when it comes back,
    // also once it may read again (commit.ts planResume).
    epoch: input.readable ? input.epoch : `${input.epoch}${UNREAD_EPOCH}`,
    principal: input.principal,
    seq: currentSeq(input.sql),
    reset: plan.kind === "snapshot" && plan.reset,
    resumedFrom: plan.kind === "replay" ? plan.from : null,
    snapshot:
      plan.kind !== "snapshot" ? null : input.readable ? buildSnapshot(input.sql, input.snapshot()) : UNREAD_SNAPSHOT,
    ...(input.live
      ? {
          live: {
            ...input.live,
            streams: boundStreams(input.live.streams, input.streamBytes ?? HELLO_STREAM_BYTES),
          },
        }
      : {}),
    ...(input.agent ? { agent: input.agent } : {}),
    reads: input.reads,
    presence: input.presence,
    ...(input.capabilities ? { capabilities: input.capabilities } : {}),
    ...(input.deprecated ? { deprecated: input.deprecated } : {}),
    limits: input.limits,
  };
}

/** What marks the epoch a principal that may not read is told (see buildHello). */
const UNREAD_EPOCH = ":unread";

/**
 * The snapshot of a principal that may not read (party/rooms/shared/reading.ts): every
 * collection empty, nothing left out, and the default settings in place of the workspace's.
 */
export const UNREAD_SNAPSHOT: Snapshot = EMPTY_SNAPSHOT;

const utf8 = (text: string) => new TextEncoder().encode(text).byteLength;

/** `text` cut to a prefix whose JSON string takes at most `maxBytes` (quotes aside). */
function fitText(text: string, maxBytes: number): string {
  let cut = text;
  for (;;) {
    const bytes = utf8(JSON.stringify(cut)) - 2;
    if (bytes <= maxBytes) return cut;
    // Shrink in proportion (escapes and multi-byte characters make bytes outrun length).
    cut = cutText(cut, Math.min(cut.length - 1, Math.floor((cut.length * maxBytes) / bytes)));
  }
}

/**
 * The replies being streamed, as a hello may carry them: within `maxBytes` in all, the
 * newest first, each with a fair share of what is left (a short one leaves its unused
 * share to the others) and its text cut to a prefix of that. A client takes later deltas
 * only where they continue the text it has, so a cut stream simply stops growing there
 * until its reply lands; streams whose bare fields no longer fit are left out.
 */
export function boundStreams(streams: ChatStream[], maxBytes: number): ChatStream[] {
  const newest = [...streams].sort((a, b) => b.startedAt - a.startedAt);
  const kept: ChatStream[] = [];
  // The array's brackets.
  let left = maxBytes - 2;
  for (const [i, stream] of newest.entries()) {
    // Its JSON with an empty text, and the comma before it.
    const bare = utf8(JSON.stringify({ ...stream, text: "" })) + 1;
    const share = Math.floor(left / (newest.length - i));
    if (bare > share) continue;
    const text = fitText(stream.text, share - bare);
    kept.push(text === stream.text ? stream : { ...stream, text });
    left -= bare + utf8(JSON.stringify(text)) - 2;
  }
  return kept;
}
