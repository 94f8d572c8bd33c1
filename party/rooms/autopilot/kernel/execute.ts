import type { RequestFrame } from "../../../../shared/protocol/frames";
import type { MethodName } from "../../../../shared/protocol/methods";
import type { PresenceEntry } from "../../../../shared/protocol/presence";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import { RoomError } from "../../../domain/errors";
import type { Answered, Via } from "./feature";

/** What a request's dispatch needs besides the frame (RequestContext without the room). */
export interface Execution {
  principal: Principal;
  via: Via;
  /** Whose turn this request is done for, when not the principal's own (the Autopilot's run: its trigger). */
  onBehalfOf?: Actor;
  /** The approval a person granted for exactly this call (an MCP agent's gated tool). */
  approvedCall?: string;
  now: number;
  /** Sets the requesting socket's presence status (only a socket has one). */
  setStatus?(status: string | null): PresenceEntry;
}

/** A dispatched request's answer: its changes were committed and published before it returns. */
export interface Outcome {
  response: { type: "res"; id: string } & ({ ok: true; payload: unknown } | { ok: false; error: { code: string; message: string } });
}

export type Dispatch<O extends Outcome> = (as: Execution & Required<Pick<Execution, "setStatus">>, frame: RequestFrame) => O | Promise<O>;

const noPresence = (): never => {
  throw new RoomError("forbidden", "only a client's socket has a presence to update");
};

/**
 * The one entry every request takes, from a socket, an MCP session or the Autopilot's
 * tools: dispatch (scope, validation, idempotency, commit and publish), then the answer to
 * the requester, then the features that care that this method was answered
 * (Feature.answered), in that order.
 */
export class Executor<O extends Outcome> {
  constructor(
    private readonly dispatch: Dispatch<O>,
    private readonly answered: (answer: Answered) => void,
  ) {}

  execute(as: Execution, frame: RequestFrame, reply: (outcome: O) => void): void | Promise<void> {
    const execution = { ...as, setStatus: as.setStatus ?? noPresence };
    const done = (outcome: O): void => {
      reply(outcome);
      const { response } = outcome;
      // Only a registry method can have answered ok (dispatch refuses any other name).
      if (response.ok) this.answered({ method: frame.method as MethodName, principal: as.principal, via: as.via, payload: response.payload as never });
    };
    const outcome = this.dispatch(execution, frame);
    if (outcome instanceof Promise) return outcome.then(done);
    done(outcome);
  }

  /** A registry method as `principal`, with no socket (MCP, the Autopilot's tools): its outcome. */
  async call(as: Omit<Execution, "now" | "setStatus">, method: MethodName, params: Record<string, unknown>): Promise<O> {
    let answer: O | undefined;
    await this.execute({ ...as, now: Date.now() }, { type: "req", id: as.via, method, params }, (outcome) => {
      answer = outcome;
    });
    return answer as O;
  }

  /** As `call`, for the Autopilot's tools: the payload, or the refusal thrown as "code: message". */
  async invoke(as: Omit<Execution, "now" | "setStatus">, method: MethodName, params: Record<string, unknown>): Promise<unknown> {
    const { response } = await this.call(as, method, params);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.payload;
  }
}
