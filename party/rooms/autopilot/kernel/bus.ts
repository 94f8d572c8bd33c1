import type { DurableEvent } from "../../../../shared/protocol/events";
import type { OpEffects } from "../domain/context";
import type { Answered, Feature } from "./feature";

type AnyReaction = (payload: unknown, event: DurableEvent) => void;

/**
 * The after-commit bus: every commit's effects go out to the clients first (so everyone,
 * the requester too, has the change before anything reacts to it), then to each feature
 * in the order they were installed: its reactions to the commit's events, then its
 * `afterCommit`. A reaction may commit again: that commit is published the same way,
 * inside the outer one.
 */
export class CommitBus {
  constructor(
    private readonly deliver: (effects: OpEffects) => void,
    private readonly features: readonly Feature[],
  ) {}

  publish(effects: OpEffects): void {
    this.deliver(effects);
    for (const feature of this.features) {
      const reactions = feature.reactions as Record<string, AnyReaction | undefined> | undefined;
      if (reactions) {
        for (const e of effects.events) reactions[e.event]?.(e.payload, e);
      }
      feature.afterCommit?.(effects);
    }
  }

  /** A request was answered ok: the features that care about its method hear of it. */
  answered(answer: Answered): void {
    // Each hook takes the answer of its own method: keyed by that method, the pairing holds.
    for (const feature of this.features)
      (feature.answered?.[answer.method] as ((a: Answered) => void) | undefined)?.(answer);
  }
}
