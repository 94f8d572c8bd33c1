import type { ModelMessage } from "ai";
import { describe, expect, it } from "vitest";
import type { MessageAttachment } from "../../../../../../shared/protocol/threads";
import { attachmentPart, MAX_INLINE_ATTACHMENTS, TEXT_FILE_CHARS, withAttachments } from "../attachments";

const file = (id: string, type = "image/png", size = 10): MessageAttachment => ({ id, name: `${id}.bin`, type, size });
const user = (text: string): ModelMessage => ({ role: "user", content: text });

describe("a message's files as the model's parts", () => {
  it("sends the newest attachments whole, at most MAX_INLINE_ATTACHMENTS, and reads only those", async () => {
    const reads: string[] = [];
    const messages = [user("old"), user("new")];
    const carried = [
      Array.from({ length: 6 }, (_, i) => file(`old${i}`)),
      Array.from({ length: 6 }, (_, i) => file(`new${i}`)),
    ];
    const out = await withAttachments(messages, carried, async (id) => {
      reads.push(id);
      return new Uint8Array([1]);
    });
    expect(reads).toHaveLength(MAX_INLINE_ATTACHMENTS);
    expect(reads.slice(0, 6)).toEqual(carried[1]!.map((f) => f.id));
    expect((out[1]!.content as unknown[]).length).toBe(7);
    expect((out[0]!.content as unknown[]).length).toBe(1 + MAX_INLINE_ATTACHMENTS - 6);
  });

  it("a text file is its text, bounded; a file whose bytes are gone says so", () => {
    const long = attachmentPart(file("t", "text/plain"), new TextEncoder().encode("x".repeat(TEXT_FILE_CHARS + 100)));
    expect(long).toMatchObject({ type: "text" });
    expect((long as { text: string }).text.length).toBeLessThan(TEXT_FILE_CHARS + 200);
    expect(attachmentPart(file("gone"), null)).toEqual({ type: "text", text: "[file gone.bin: no longer available]" });
  });
});

describe("files within the context budget", () => {
  it("a text file takes what is left of the budget, and a file with no room left is only named", async () => {
    const text = new TextEncoder().encode("y".repeat(5_000));
    const carried = [[file("a", "text/plain"), file("b", "text/plain"), file("c")]];
    const out = await withAttachments([user("see")], carried, async () => text, 1_000);
    const parts = out[0]!.content as { type: string; text?: string }[];
    // 1,000 tokens ≈ 3,000 characters: the first file is cut to them, nothing else fits.
    expect(parts).toHaveLength(2);
    expect(parts[1]!.text!.length).toBeLessThan(3_200);
    expect(parts[1]!.text).toContain("[cut: the file is longer]");
  });
});
