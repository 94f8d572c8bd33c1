import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";
import { startScriptedModel } from "../../../runtime/test/scripted-model";
import { DELTA_MARKS_LOG, deltaMarks, sseContentChars } from "../delta-marks";

const event = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`;

describe("the bench's delta marks", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // An SSE body whose second event is split across two writes, like TCP may deliver it.
    server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const second = event("de");
      res.write(event("abc") + second.slice(0, 10));
      setTimeout(() => res.end(`${second.slice(10)}data: [DONE]\n\n`), 30);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("are off unless asked for", () => {
    expect(deltaMarks(false)).toBeNull();
  });

  it("count the reply text in whole SSE lines only", () => {
    expect(sseContentChars([event("abc").trim(), "data: [DONE]", "data: {not json", ": comment", `data: ${JSON.stringify({ choices: [{ delta: { role: "assistant" } }] })}`])).toBe(3);
  });

  it("mark when the model's text arrived as the body is read, hand it on untouched, and log one line per segment", async () => {
    const lines: string[] = [];
    let clock = 1000;
    const marks = deltaMarks(
      true,
      () => clock++,
      (line) => lines.push(line),
    )!;
    marks.step("claimed");
    // As the SDK reads it: through getReader() alone.
    const reader = (await marks.fetch(url)).body!.getReader();
    let body = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) body += new TextDecoder().decode(r.value);
    expect(body).toBe(`${event("abc")}${event("de")}data: [DONE]\n\n`);
    marks.sent(3);
    marks.sent(5);
    marks.flush("run_1.0");
    const logged = JSON.parse(lines[0]!);
    expect(logged.msg).toBe(DELTA_MARKS_LOG);
    expect(logged.runId).toBe("run_1.0");
    expect(logged.steps.map(([label]: [string]) => label)).toEqual(["claimed", "fetch"]);
    // Characters so far per chunk: the split event counts once it is whole.
    const chars = logged.received.map(([, n]: [number, number]) => n);
    expect(chars[0]).toBe(3);
    expect(chars.at(-1)).toBe(5);
    expect(logged.sent.map(([, end]: [number, number]) => end)).toEqual([3, 5]);
    // Flushed: the next segment starts empty.
    marks.flush("run_1.1");
    expect(JSON.parse(lines[1]!)).toMatchObject({ steps: [], received: [], sent: [] });
  });

  it("count on across the segment's model calls (one body each)", async () => {
    const lines: string[] = [];
    const marks = deltaMarks(true, Date.now, (line) => lines.push(line))!;
    // Two model calls in one segment (a tool step between them), read in turn; each body
    // ends its second event in a later chunk.
    for (let call = 0; call < 2; call++) {
      const reader = (await marks.fetch(url)).body!.getReader();
      while (!(await reader.read()).done);
    }
    marks.flush("run_3.0");
    const chars = (JSON.parse(lines[0]!).received as [number, number][]).map(([, n]) => n);
    expect(chars.at(-1)).toBe(10);
    // The second body starts from the first one's total (5 + its first whole event's 3).
    expect(chars).toContain(8);
  });

  it("see the reply through the real SDK's provider, which reads the body through getReader alone", async () => {
    const model = await startScriptedModel();
    try {
      model.setReply({ text: "one two three four five" });
      const lines: string[] = [];
      const marks = deltaMarks(true, Date.now, (line) => lines.push(line))!;
      const provider = createOpenAICompatible({ name: "marks", baseURL: model.baseUrl, fetch: marks.fetch });
      const result = streamText({ model: provider.chatModel("scripted"), prompt: "hello" });
      let text = "";
      for await (const part of result.stream) if (part.type === "text-delta") text += part.text;
      expect(text).toBe("one two three four five");
      marks.flush("run_2.0");
      const received = JSON.parse(lines[0]!).received as [number, number][];
      expect(received.length).toBeGreaterThan(0);
      expect(received.at(-1)![1]).toBe(text.length);
    } finally {
      await model.close();
    }
  });
});
