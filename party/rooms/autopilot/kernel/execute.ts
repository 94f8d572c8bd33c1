import type { RequestFrame } from "../../../../shared/protocol/frames";
import type { MethodName } from "../../../../shared/protocol/methods";
import type { PresenceEntry } from "../../../../shared/protocol/presence";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import { RoomError } from "../../../domain/errors";
import type { DispatchOutcome } from "./dispatch";
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

export type Dispatch = (as: Execution & Required<Pick<Execution, "setStatus">>, frame: RequestFrame) => DispatchOutcome | Promise<DispatchOutcome>;

const noPresence = (): never => {
  throw new RoomError("forbidden", "only a client's socket has a presence to update");
};

/**
 * The one entry every request takes, from a socket, an MCP session or the Autopilot's
 * tools: dispatch (scope, validation, idempotency, commit and publish), then the answer to
 * the requester, then the features that care that this method was answered
 * (Feature.answered), in that order.
 */
export class Executor {
  constructor(
    private readonly dispatch: Dispatch,
    private readonly answered: (answer: Answered) => void,
  ) {}

  execute(as: Execution, frame: RequestFrame, reply: (outcome: DispatchOutcome) => void): void | Promise<void> {
    const execution = { ...as, setStatus: as.setStatus ?? noPresence };
    const done = (outcome: DispatchOutcome): void => {
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
  async call(as: Omit<Execution, "now" | "setStatus">, method: MethodName, params: Record<string, unknown>): Promise<DispatchOutcome> {
    let answer: DispatchOutcome | undefined;
    await this.execute({ ...as, now: Date.now() }, { type: "req", id: as.via, method, params }, (outcome) => {
      answer = outcome;
    });
    return answer as DispatchOutcome;
  }

  /** As `call`, for the Autopilot's tools: the payload, or the refusal thrown as "code: message". */
  async invoke(as: Omit<Execution, "now" | "setStatus">, method: MethodName, params: Record<string, unknown>): Promise<unknown> {
    const { response } = await this.call(as, method, params);
    if (!response.ok) throw new Error(`${response.error.code}: ${response.error.message}`);
    return response.payload;
  }
}
