import type { DurableEvent } from "../../../../shared/protocol/events";
import type { OpEffects } from "./op-context";
import type { Answered, Feature } from "./feature";

type AnyReaction = (payload: unknown, event: DurableEvent) => void;

/**
 * The after-commit bus: every commit's effects go out to the clients first (so everyone,
 * the requester too, has the change before anything reacts to it), then to each feature
 * in the kernel's order (kernel/features.ts): its reactions to the commit's events, then its
 * `afterCommit`. A reaction may commit again: that commit is published once every feature
 * has heard of the one before it, so each feature hears of the commits in the order they
 * were made.
 */
export class CommitBus {
  readonly #waiting: OpEffects[] = [];
  #publishing = false;

  constructor(
    private readonly deliver: (effects: OpEffects) => void,
    private readonly features: readonly Feature[],
  ) {}

  publish(effects: OpEffects): void {
    this.#waiting.push(effects);
    if (this.#publishing) return;
    this.#publishing = true;
    try {
      for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) this.#publishOne(next);
    } finally {
      this.#publishing = false;
      // A reaction threw (its error goes on to the committer): the commits made meanwhile still go out.
      for (const rest of this.#waiting.splice(0)) this.publish(rest);
    }
  }

  #publishOne(effects: OpEffects): void {
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
