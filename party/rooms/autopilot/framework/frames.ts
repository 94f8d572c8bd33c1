import type { Connection, WSMessage } from "agents";

// agents answers its own frames (`cf_agent_state` writes, `rpc` calls) in its onMessage
// wrapper, before ours: with frames outside our protocol, unmetered, after parsing a frame
// of any size. A text frame goes through that wrapper boxed, which it hands on untouched
// (still inside its invocation context), so every frame reaches our onMessage: metered,
// size-checked and answered in our protocol.

/** A text frame on its way past the agents framework's own frame handling. */
class TextFrame {
  constructor(readonly text: string) {}
}

type OnMessage = (conn: Connection, message: WSMessage) => void;

/** Wraps the framework's onMessage (call in the constructor) so it sees text frames boxed. */
export function boxTextFrames(room: { onMessage: OnMessage }): void {
  const framework = room.onMessage;
  room.onMessage = (conn, message) => framework.call(room, conn, (typeof message === "string" ? new TextFrame(message) : message) as WSMessage);
}

/** The frame as the client sent it (inside our onMessage). */
export function unboxFrame(frame: WSMessage): string | ArrayBuffer {
  return frame instanceof TextFrame ? frame.text : (frame as string | ArrayBuffer);
}
