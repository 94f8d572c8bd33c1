import { describe, expect, it } from "vitest";
import { PDF, PNG, uploaded } from "../../../../../test/files-harness";
import { idem, uniq } from "../../../../../test/harness";
import { agentRoom, autopilotSays, requestMark, requestsFor } from "./test/harness";

// Files in threads reach the Autopilot's model (party/rooms/autopilot/features/model/attachments.ts) through the real
// provider: the scripted model records the chat request as the endpoint would get it.

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

describe("files: the Autopilot's model gets a message's files", () => {
  it("an image as an image part, a text file's content as text, a PDF as a file part", async () => {
    const { owner, sock, thread } = await agentRoom();
    const ws = owner.workspaceId;
    const noteText = `The launch code word is ${uniq("heron")}.`;
    const png = await uploaded(ws, { cookie: owner.cookie }, PNG, { name: "pixel.png" });
    const note = await uploaded(ws, { cookie: owner.cookie }, new TextEncoder().encode(noteText), {
      type: "text/plain",
      name: "note.txt",
    });
    const pdf = await uploaded(ws, { cookie: owner.cookie }, PDF, { type: "application/pdf", name: "report.pdf" });
    const marker = uniq("FILESMARK");
    const mark = await requestMark();
    const { message } = await sock.ok("chat.send", {
      threadId: thread.id,
      text: `What is in these? ${marker}`,
      attachments: [png, note, pdf],
      idempotencyKey: idem(),
    });
    await autopilotSays(sock, thread.id, (m) => m.n > message.n);

    const [request] = await requestsFor(mark, marker);
    const user = request?.messages?.findLast((m) => m.role === "user");
    const parts = user?.content as {
      type: string;
      text?: string;
      image_url?: { url: string };
      file?: { filename: string; file_data: string };
    }[];
    expect(Array.isArray(parts)).toBe(true);
    expect(parts[0]?.text).toContain(marker);
    expect(parts[0]?.text).toContain("[attached: pixel.png (image/png");
    expect(parts).toContainEqual({ type: "image_url", image_url: { url: `data:image/png;base64,${base64(PNG)}` } });
    expect(parts.some((p) => p.type === "text" && p.text?.includes(noteText) && p.text.includes("note.txt"))).toBe(
      true,
    );
    expect(parts).toContainEqual({
      type: "file",
      file: { filename: "report.pdf", file_data: `data:application/pdf;base64,${base64(PDF)}` },
    });
    sock.close();
  });
});
