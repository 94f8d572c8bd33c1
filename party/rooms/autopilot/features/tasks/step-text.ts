// A task step's streamed text as it goes out (capability tool.steps, decision 87): from its
// first visible character, the whitespace before it with it at offset 0, so a client that
// opens a step's stream only with text never holds one a step that only calls tools leaves open.

/** A piece of a step's text at `offset` of the whole, as `chat.delta` carries it. */
export interface StepDelta {
  offset: number;
  text: string;
}

/** What to send for each piece the model streams: nothing until the text shows something. */
export function visibleDeltas(send: (delta: StepDelta) => void): (delta: StepDelta) => void {
  let streamed = "";
  let opened = false;
  return ({ offset, text }) => {
    streamed = streamed.slice(0, offset) + text;
    const delta = opened ? { offset, text } : { offset: 0, text: streamed };
    opened ||= streamed.trim() !== "";
    if (opened) send(delta);
  };
}
