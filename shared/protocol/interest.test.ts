import { describe, expect, it } from "vitest";
import { viewedThreadOf } from "./interest";

describe("which events a socket's view filters", () => {
  it("names the thread of messages and streams only", () => {
    expect(viewedThreadOf("message.created", { message: { threadId: "t1" } } as never)).toBe("t1");
    expect(viewedThreadOf("chat.delta", { threadId: "t2" } as never)).toBe("t2");
    expect(viewedThreadOf("chat.final", { threadId: "t3" } as never)).toBe("t3");
    expect(viewedThreadOf("chat.error", { threadId: "t4" } as never)).toBe("t4");
    expect(viewedThreadOf("thread.created", { thread: { id: "t5" } } as never)).toBeNull();
    expect(viewedThreadOf("approval.created", { approval: { threadId: "t6" } } as never)).toBeNull();
  });
});
