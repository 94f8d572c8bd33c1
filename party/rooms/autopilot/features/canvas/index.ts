import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { RoomError } from "../../../../domain/errors";
import { getMeta, setMeta } from "../../../../domain/meta";
import type { GraphApplyOutcome } from "../../../hatchery/room";
import { roomEpoch } from "../../kernel/commit";
import { type GraphFeed, readGraphFeed } from "./graph-feed";
import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { instances } from "../instances";
import { HatcheryLink } from "./link";

/** The room's meta key: while the Hatchery said nobody watches its canvas, the seq it had pulled then (decision 102). */
const CANVAS_UNWATCHED = "canvasUnwatched";

/** The room's RPC for the Hatchery: what its canvas pulls. */
export interface CanvasRpc {
  /** A page of durable events after `since`, or of the domain state when `since` is from another epoch or fell out of the log (graph-feed.ts). */
  graphFeed(
    since: number,
    epoch: string | null,
    limit?: number,
    snapshotCursor?: string | null,
    sessionsDigest?: string | null,
  ): GraphFeed;
  /** Someone opened the canvas nobody watched: commits are poked again (decision 102). */
  canvasWatched(): void;
}

/**
 * The workspace's canvas, the Hatchery (party/rooms/hatchery/): told after every commit
 * with events that there is news to pull (coalesced), it pulls the room's events and state
 * (`graphFeed`); graph commands people and agents send go to it.
 */
export const canvas = defineFeature({
  name: "canvas",
  needs: [instances],
  build: (s, { instances }) => {
    const link = new HatcheryLink(s.env.Hatchery, s.workspaceId, {
      read: () => {
        const since = getMeta(s.sql, CANVAS_UNWATCHED);
        return since ? Number(since) : null;
      },
      write: (since) => setMeta(s.sql, CANVAS_UNWATCHED, since === null ? "" : String(since)),
    });
    // The Hatchery is told when a bridge's sessions change (sessions are no durable event).
    instances.onSessionsChanged(() => link.poke());
    const rpc: CanvasRpc = {
      graphFeed: (since, epoch, limit = 500, snapshotCursor = null, sessionsDigest = null) =>
        readGraphFeed(s.sql, roomEpoch(s.sql), since, epoch, limit, snapshotCursor, sessionsDigest),
      canvasWatched: () => link.watched(),
    };
    const applyGraph = async (
      { principal }: { principal: { id: string } },
      params: MethodParsedParams<"graph.apply">,
    ): Promise<MethodResult<"graph.apply">> => {
      // RPC results lose their discriminated-union narrowing; read them as the plain union.
      const outcome = (await (
        await link.stub()
      ).applyCommands(principal.id, params.idempotencyKey, params.commands)) as GraphApplyOutcome;
      if (!outcome.ok) throw new RoomError(outcome.error.code, outcome.error.message, outcome.error.details);
      return outcome.result;
    };
    return {
      api: link,
      rpc,
      methods: methods({ "graph.apply": local(applyGraph) }),
      afterCommit: (effects) => {
        if (effects.events.length > 0) link.poke(effects.events.at(-1)?.seq);
      },
      // A reply streaming commits its message at its end: the poke due meanwhile waits for it (link.ts).
      heard: {
        "chat.delta": (delta) => link.streaming(delta.runId),
        "chat.final": (final) => link.streamEnded(final.runId),
        "chat.error": (error) => link.streamEnded(error.runId),
      },
    };
  },
});
