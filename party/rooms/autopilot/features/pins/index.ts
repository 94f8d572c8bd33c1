import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate } from "../../kernel/handlers";
import { getThread, threads } from "../threads";
import { pinsOf, setPin } from "./pins";

/**
 * Pinned threads (protocol 11): each person's and agent key's own, kept in the room so every
 * device of theirs shows the same threads at the top of its list; told to their own sockets only.
 */
export const pins = defineFeature({
  name: "pins",
  needs: [threads],
  build: (s) => ({
    methods: methods({
      "threads.pins": local(({ room, principal }) => ({ pins: pinsOf(room.sql, principal.id) })),
      "threads.pin": mutate((ctx, params) => {
        if (!getThread(ctx.sql, params.threadId))
          throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
        return { pins: setPin(ctx.sql, ctx.principal.id, params.threadId, params.pinned, ctx.now).pins };
      }),
    }),
    // After the answer: the principal's other tabs and devices take the pins as they now stand.
    answered: {
      "threads.pin": ({ principal, payload }) => s.toPrincipal(principal.id, "thread.pins", { pins: payload.pins }),
    },
  }),
});
