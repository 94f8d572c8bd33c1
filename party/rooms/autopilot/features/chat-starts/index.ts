import { defineFeature } from "../../kernel/feature";
import { methods, mutate } from "../../kernel/handlers";
import { billing } from "../billing";
import { instances } from "../instances";
import { driveChatStarts } from "./chat-starts";
import { startChat } from "./chat-starts-store";

/**
 * `instances.startChat`: a chat with a new OpenClaw instance in one step (the instance asked
 * for, its thread made, the first message queued). The open starts move along after each
 * commit that decided an approval or changed an instance, after the instances' bridges
 * followed it (this feature needs the instances feature, so it hears a commit after it).
 */
export const chatStarts = defineFeature({
  name: "chat-starts",
  needs: [instances, billing],
  build: (s, needs) => {
    // What an hour of a hosted instance costs: the start's approval says it (and what a month would be).
    const hourly = needs.billing.config.prices.instanceHour;
    return {
      methods: methods({
        // A start is refused before anything starts (the plan's limit, the balance), as instances.provision is.
        "instances.startChat": mutate((ctx, params) => {
          const started = startChat(ctx, params, hourly);
          const action = started.approval.action;
          if (action?.kind === "instance") needs.instances.guardStart(ctx, action.instanceId);
          return started;
        }),
      }),
      afterCommit: (effects) =>
        driveChatStarts(
          { sql: s.sql, commit: s.commit },
          effects,
          (instanceId) => void needs.instances.bridges.get(instanceId)?.flush(),
        ),
    };
  },
});
