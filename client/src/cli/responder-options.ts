// The --responder, --reply and --agents options of `thread new` and `thread configure`.
import { Responder } from "../../../shared/protocol/agent";
import type { Values } from "./command-table";
import { oneOf, optional } from "./option-values";

/** The words of the `agents` setting, as the app's control says them too (client/app/panels/Responder.tsx). */
const AGENTS_WORDS = { answer: true, ignore: false } as const;
export const AGENTS_HELP =
  "whether the Autopilot answers agents' messages (API keys) too: answer|ignore (default ignore; people's messages are always answered)";
const agentsSetting = (raw: string | undefined): boolean | undefined => {
  const word = oneOf("agents", raw, Object.keys(AGENTS_WORDS) as (keyof typeof AGENTS_WORDS)[]);
  return word === undefined ? undefined : AGENTS_WORDS[word];
};
/** --responder, --reply and --agents as `threads.create` and `threads.configure` take them. */
export const responderOptions = (v: Pick<Values, "responder" | "reply" | "agents">) => ({
  ...optional("responder", oneOf("responder", v.responder, Responder.shape.kind.options)),
  ...optional("reply", oneOf("reply", v.reply, Responder.shape.reply.options)),
  ...optional("agents", agentsSetting(v.agents)),
});
