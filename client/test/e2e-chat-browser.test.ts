// Chat basics in the app: the real server (wrangler dev, as `npm start` runs it) and two
// people in two Chromium contexts. Bob posts Markdown; both see it rendered (bold, a code
// block with a copy button, a link that opens safely) and a `<script>` as the text it is.
// Bob names Alice through the composer's @ list, by keyboard only; the message goes out
// with `@Alice`, which the room recognizes: it reaches Alice's inbox. An agent's message
// built to crash the Markdown renderer (quotes nested 15,000 deep) shows as its text, and
// the thread around it and the app keep working, on every reload of its link. A message Bob
// types while the server is down shows as sending, survives a reload while it is still down (the
// app opens from what the device kept, on a desktop and on a phone: on the thread he had open,
// with what it kept of that thread and of the thread list), and is posted once when the server is
// back, without another reload, with Bob still on that thread, and not unread to him; one the room
// refuses (its thread was archived while Bob was cut off) says why. A tab gets the open thread's
// messages only (protocol 18): another thread's row counts what arrives there, and opening it
// shows it. Screenshots go to test-artifacts/ (git-ignored).
import type { Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutopilotClient } from "../src/client";
import { openPage, screenshots, signUpInUi, twoPeopleInOneWorkspace, withBrowser, withPeople } from "./browser-helpers";
import { openNewThread } from "./app-steps";
import { personClient, withServer } from "./e2e-helpers";

const stamp = Date.now();

const server = withServer();
const browser = withBrowser();
const people = withPeople(browser, ["alice", "bob"]);
let agent: AutopilotClient | null = null;
let workspace = "";
const pageErrors: string[] = [];

const shot = screenshots("chat");

beforeAll(async () => {
  for (const [key, { page }] of Object.entries(people)) {
    page.on("pageerror", (error) => pageErrors.push(`[${key}] ${error.message}`));
    // A script that ran would say so here.
    page.on("dialog", (dialog) => {
      pageErrors.push(`[${key}] dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }
  await people.bob.ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
});

afterAll(() => {
  agent?.close();
});

describe("chat in the app", () => {
  it("Markdown renders as markup for everyone, hostile HTML as text; @ picks a person by keyboard and the room sees the mention", async () => {
    const { alice, bob } = people;
    workspace = await twoPeopleInOneWorkspace(
      server.url,
      { page: alice.page, name: "Alice", email: alice.email },
      { page: bob.page, name: "Bob", email: bob.email },
    );
    await openNewThread(bob.page, "Release");
    await alice.page
      .locator(".sidebar")
      .getByRole("button", { name: /Release/ })
      .click();
    const composer = bob.page.getByLabel("Message", { exact: true });

    const markdown = [
      "Ship it **today**, see [the notes](https://example.com/notes).",
      "",
      "```sh",
      "npm run deploy -- --prod",
      "```",
      "",
      "<script>window.__pwned = true; alert(1)</script>",
      "",
      "A [bad](javascript:alert(2)) link.",
    ].join("\n");
    await composer.fill(markdown);
    await composer.press("Enter");

    for (const page of [bob.page, alice.page]) {
      const message = page.locator(".thread-view .message", { hasText: "Ship it" });
      await message.waitFor({ timeout: 10_000 });
      expect(await message.locator(".md strong").textContent()).toBe("today");
      expect(await message.locator(".md pre > code").textContent()).toBe("npm run deploy -- --prod\n");
      const link = message.locator(".md a", { hasText: "the notes" });
      expect(await link.getAttribute("href")).toBe("https://example.com/notes");
      expect(await link.getAttribute("rel")).toBe("noopener noreferrer nofollow");
      expect(await link.getAttribute("target")).toBe("_blank");
      // The script is text on the page, not an element, and it did not run; the javascript: link lost its address.
      expect(await message.locator(".md").textContent()).toContain("<script>window.__pwned = true; alert(1)</script>");
      expect(await message.locator("script").count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();
      expect(await message.locator(".md a", { hasText: "bad" }).count()).toBe(0);
      expect(await message.locator(".md p", { hasText: "link." }).textContent()).toBe("A bad link.");
    }
    // The thread's card on the canvas previews the words, not the syntax.
    const preview = alice.page.locator(".react-flow__node-thread .node-preview", { hasText: "Ship it" });
    await expect.poll(() => preview.textContent(), { timeout: 10_000 }).toContain("Ship it today, see the notes.");
    await shot(alice.page, "01-markdown-rendered");

    // The code block's copy button puts the code on the clipboard.
    const bobMessage = bob.page.locator(".thread-view .message", { hasText: "Ship it" });
    await bobMessage.getByRole("button", { name: "Copy code" }).click();
    await bobMessage.getByRole("button", { name: "Copy code" }).getByText("Copied").waitFor();
    expect(await bob.page.evaluate(() => navigator.clipboard.readText())).toBe("npm run deploy -- --prod");

    // @ opens the list; typing narrows it; ↓/↑ move the active option; Enter inserts it.
    await composer.click();
    await composer.pressSequentially("thanks @");
    const list = bob.page.getByRole("listbox", { name: "People and agents to mention" });
    await list.waitFor();
    const options = list.getByRole("option");
    await expect
      .poll(() => options.allTextContents())
      .toEqual(expect.arrayContaining([expect.stringContaining("@Alice"), expect.stringContaining("@autopilot")]));
    // Bob is not offered to himself.
    expect((await options.allTextContents()).some((t) => t.includes("@Bob"))).toBe(false);
    await composer.pressSequentially("al");
    await expect.poll(() => options.allTextContents()).toEqual(["@Aliceperson"]);
    const active = async () => {
      const id = await composer.getAttribute("aria-activedescendant");
      return id ? bob.page.locator(`[id="${id}"]`).textContent() : null;
    };
    expect(await active()).toBe("@Aliceperson");
    expect(await list.getByRole("option", { selected: true }).textContent()).toBe("@Aliceperson");
    await shot(bob.page, "02-mention-list");
    // Escape closes it and leaves the text alone; Backspace and retyping opens it again.
    await composer.press("Escape");
    await list.waitFor({ state: "detached" });
    expect(await composer.inputValue()).toBe("thanks @al");
    await composer.press("Backspace");
    await composer.pressSequentially("l");
    await list.waitFor();
    await composer.press("ArrowDown");
    await composer.press("ArrowUp");
    await composer.press("Enter");
    await list.waitFor({ state: "detached" });
    expect(await composer.inputValue()).toBe("thanks @Alice ");
    // Enter now sends (the list is closed).
    await composer.pressSequentially("for the review");
    await composer.press("Enter");
    const mentioned = alice.page.locator(".thread-view .message", { hasText: "for the review" });
    await mentioned.waitFor({ timeout: 10_000 });
    expect(await mentioned.locator(".md").textContent()).toBe("thanks @Alice for the review");
    // The room recognized the mention: it is in Alice's inbox.
    await alice.page.getByRole("button", { name: /^Inbox/ }).click();
    await alice.page.locator(".inbox-item", { hasText: "Bob mentioned you" }).waitFor({ timeout: 10_000 });
    await shot(alice.page, "03-mention-in-inbox");
    expect(pageErrors).toEqual([]);
  });

  it("an agent's message nested too deep to format shows as text; the thread and the app keep working, reload after reload", async () => {
    const { ctx, page } = await openPage(browser, "Carol");
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await signUpInUi(page, server.url, "Carol", `carol-${stamp}@example.test`);
    const workspace = await page.locator("#workspace-switcher").inputValue();
    const keyRes = await ctx.request.post(`${server.url}/api/workspaces/${workspace}/keys`, {
      data: { name: "nesting-bot", scopes: ["read", "write"] },
      headers: { origin: server.url },
    });
    expect(keyRes.status()).toBe(201);
    const { key } = (await keyRes.json()) as { key: string };
    agent = new AutopilotClient({ url: server.url, workspace, apiKey: key, device: "nesting-bot" });
    await agent.ready();
    const { thread } = await agent.threads.create({ title: "Deep quotes" });
    await agent.chat.send({ threadId: thread.id, text: "Before the deep one: **bold** still works." });
    const attack = `${"> ".repeat(15000)}x`;
    const { message: deep } = await agent.chat.send({ threadId: thread.id, text: attack });
    await agent.chat.send({ threadId: thread.id, text: "After the deep one, a `code span`." });

    for (let load = 0; load < 2; load++) {
      await page.goto(`${server.url}/?w=${workspace}&thread=${thread.id}`);
      const view = page.locator(`.thread-view[data-thread-id="${thread.id}"]`);
      await view.waitFor({ timeout: 20_000 });
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      // The messages around it render as Markdown.
      await view.locator(".message .md strong", { hasText: "bold" }).waitFor({ timeout: 10_000 });
      await view.locator(".message .md code", { hasText: "code span" }).waitFor();
      // The deep one is its text, said to be plain, no quote element at all.
      const message = view.locator(`[data-message-id="${deep.id}"]`);
      await message.locator(".md-note", { hasText: "nested too deeply" }).waitFor();
      expect(await message.locator("blockquote").count()).toBe(0);
      expect(await message.locator(".md-plain").textContent()).toBe(attack);
      // The app around the thread still answers: the composer takes a message that arrives.
      const composer = page.getByLabel("Message", { exact: true });
      await composer.fill(`still here ${load}`);
      await composer.press("Enter");
      await view.locator(".message", { hasText: `still here ${load}` }).waitFor({ timeout: 10_000 });
      await page
        .locator(".sidebar")
        .getByRole("button", { name: /Deep quotes/ })
        .waitFor();
    }
    await shot(page, "04-deep-message");
    expect(errors).toEqual([]);
    await ctx.close();
  }, 180_000);

  it("a tab gets the open thread's messages only: another thread's row counts what arrives there, and opening it shows it", async () => {
    const { ctx, page } = await openPage(browser, "Dana");
    await signUpInUi(page, server.url, "Dana", `dana-${stamp}@example.test`);
    const workspace = await page.locator("#workspace-switcher").inputValue();
    const keyRes = await ctx.request.post(`${server.url}/api/workspaces/${workspace}/keys`, {
      data: { name: "two-threads-bot", scopes: ["read", "write"] },
      headers: { origin: server.url },
    });
    const { key } = (await keyRes.json()) as { key: string };
    const bot = new AutopilotClient({ url: server.url, workspace, apiKey: key, device: "two-threads-bot" });
    try {
      await bot.ready();
      const { thread: open } = await bot.threads.create({ title: "Open here" });
      const { thread: other } = await bot.threads.create({ title: "Somewhere else" });
      // Every frame the tab's room socket receives, from its first.
      const received: string[] = [];
      page.on("websocket", (ws) => {
        if (ws.url().includes("/agents/autopilot/"))
          ws.on("framereceived", ({ payload }) => received.push(String(payload)));
      });
      await page.goto(`${server.url}/?w=${workspace}&thread=${open.id}`);
      await page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
      const view = page.locator(`.thread-view[data-thread-id="${open.id}"]`);
      await view.waitFor();
      await bot.chat.send({ threadId: open.id, text: "said where Dana looks" });
      await view.locator(".message", { hasText: "said where Dana looks" }).waitFor({ timeout: 10_000 });
      await bot.chat.send({ threadId: other.id, text: "said somewhere else" });
      const otherRow = page.locator(".sidebar .thread-row", {
        has: page.getByRole("button", { name: /Somewhere else/ }),
      });
      await otherRow.locator(".badge", { hasText: "1" }).waitFor({ timeout: 10_000 });
      expect(received.some((frame) => frame.includes("said where Dana looks"))).toBe(true);
      expect(received.some((frame) => frame.includes("said somewhere else"))).toBe(false);
      await shot(page, "04b-other-thread-counted");
      await otherRow.getByRole("button", { name: /Somewhere else/ }).click();
      const otherView = page.locator(`.thread-view[data-thread-id="${other.id}"]`);
      await otherView.locator(".message", { hasText: "said somewhere else" }).waitFor({ timeout: 10_000 });
      // Viewed now: what comes next arrives live.
      await bot.chat.send({ threadId: other.id, text: "and now live" });
      await otherView.locator(".message", { hasText: "and now live" }).waitFor({ timeout: 10_000 });
    } finally {
      bot.close();
      await ctx.close();
    }
  }, 120_000);

  it("a message typed while the server is down shows as sending, survives a reload while it is down, and is posted once when it returns, not unread to its sender; one the room refuses says why", async () => {
    const { alice, bob } = people;
    // Bob's room sockets from here on go through the test (untouched), so that his alone can be cut off later.
    let bobCutOff = false;
    const bobSockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await bob.page.routeWebSocket(/\/agents\/autopilot\//, (ws) => {
      if (bobCutOff) return void ws.close({ code: 1012, reason: "network down" });
      bobSockets.push({ page: ws, server: ws.connectToServer() });
    });
    // The route wraps the page's WebSocket when a document loads.
    await bob.page.reload();
    await bob.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await openNewThread(bob.page, "Outbox");
    const threadId = await bob.page.locator(".thread-view").getAttribute("data-thread-id");
    const composer = bob.page.getByLabel("Message", { exact: true });
    const offline = (page: Page) =>
      expect.poll(() => page.getByTestId("connection").textContent(), { timeout: 30_000 }).not.toMatch(/Live/);
    // Said while the server is up: what the device keeps of the open thread.
    const before = "said before the outage";
    await composer.fill(before);
    await composer.press("Enter");
    await bob.page.locator(".thread-view .message:not(.outgoing)", { hasText: before }).waitFor({ timeout: 10_000 });
    // The address names the open thread (shell/thread-url.ts).
    expect(new URL(bob.page.url()).searchParams.get("thread")).toBe(threadId);
    // What a reload without the server shows is written once the room is still (stores/room.ts):
    // the kept view that holds the message, not just any kept view (one was written before it).
    await expect
      .poll(
        () =>
          bob.page.evaluate(
            (said) =>
              Object.keys(localStorage).some(
                (k) => k.startsWith("autopilot:kept:") && (localStorage.getItem(k) ?? "").includes(said),
              ),
            before,
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    // Its read marker is in the room too (a mark on its way would wait with what is typed below).
    const bobCookie = (await bob.ctx.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    await expect
      .poll(
        async () => {
          const reader = personClient(server.url, bobCookie, workspace, "bob-script");
          try {
            await reader.ready();
            return reader.state.reads.get(threadId!)?.n ?? 0;
          } finally {
            reader.close();
          }
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);

    await server.stop();
    await offline(bob.page);
    const text = "typed while the server was down";
    await composer.fill(text);
    await composer.press("Enter");
    const outgoing = bob.page.locator(".thread-view .message.outgoing", { hasText: text });
    await outgoing.getByText("sending…", { exact: false }).waitFor();
    // The composer is free for the next message, and the pill says what waits.
    expect(await composer.inputValue()).toBe("");
    await bob.page.getByTestId("connection").getByText("1 change waiting to send").waitFor();
    await shot(bob.page, "05-sending-while-down");

    // Reloaded while the server is still down, on a desktop and on a phone: the app opens from
    // what the device kept (the service worker's copy of this build, who Bob is and his
    // workspace, the message), says the server is out of reach, and shows the message waiting.
    const desktop = bob.page.viewportSize()!;
    for (const [name, viewport] of [
      ["desktop", desktop],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      await bob.page.setViewportSize(viewport);
      await bob.page.reload();
      const pill = bob.page.getByTestId("connection");
      await pill
        .getByText(/^Offline/)
        .first()
        .waitFor({ timeout: 20_000 });
      // Why, where there is room for it (a phone's top bar has none).
      const why = pill.getByText("can't reach the server, trying again", { exact: false });
      if (name === "phone") expect(await why.isVisible()).toBe(false);
      else await why.waitFor();
      await pill.getByText("1 change waiting to send").waitFor();
      expect(await bob.page.locator("#workspace-switcher").inputValue()).toBe(workspace);
      // Back on the thread that was open, with what the device kept of it.
      const kept = bob.page.locator(`.thread-view[data-thread-id="${threadId}"]`);
      await kept.locator(".message:not(.outgoing)", { hasText: before }).waitFor();
      if (name === "phone") await bob.page.getByRole("navigation", { name: "Sections" }).getByText("Threads").click();
      // The thread list as the device kept it.
      await bob.page
        .locator(".sidebar")
        .getByRole("button", { name: /Outbox/ })
        .waitFor();
      const waiting = bob.page.locator(".sidebar").getByRole("region", { name: "Waiting to send" });
      await waiting.getByText(text).waitFor();
      await shot(bob.page, `05-reloaded-while-down-${name}`);
    }
    await bob.page.setViewportSize(desktop);

    // No second reload: the room's socket comes back by itself and the kept message goes out.
    await server.start();
    await bob.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 60_000 });
    // Still on the thread he was on, now as the room has it.
    await bob.page
      .locator(`.thread-view[data-thread-id="${threadId}"] .message:not(.outgoing)`, { hasText: text })
      .waitFor({ timeout: 60_000 });
    expect(new URL(bob.page.url()).searchParams.get("thread")).toBe(threadId);
    // Bob's own message is not unread to him (shown in the open thread, or posted by him).
    const bobThread = bob.page.locator(".sidebar").getByRole("button", { name: /Outbox/ });
    // The row shows when its last message came (minutes, on a loaded machine: the message is the
    // one typed while the server was down), not an unread count.
    await expect
      .poll(() => bobThread.locator(".nav-meta").textContent(), { timeout: 30_000 })
      .toMatch(/^(just now|\d+ minutes? ago)$/);
    expect(await bobThread.locator(".badge").count()).toBe(0);
    await bobThread.click();
    const posted = (page: Page) => page.locator(".thread-view .message:not(.outgoing)", { hasText: text });
    await posted(bob.page).waitFor({ timeout: 60_000 });
    await outgoing.waitFor({ state: "detached" });
    // Once: a fresh load shows what the room holds.
    await alice.page.goto(`${server.url}/?w=${workspace}&thread=${threadId}`);
    await alice.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });
    await posted(alice.page).waitFor({ timeout: 20_000 });
    expect(await posted(alice.page).count()).toBe(1);
    expect(await posted(bob.page).count()).toBe(1);
    await shot(bob.page, "06-sent-once");
    // What the service worker keeps is this build's files: nothing the server answered with data.
    const cached = await bob.page.evaluate(async () => {
      const paths: string[] = [];
      for (const name of await caches.keys())
        for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
      return paths;
    });
    expect(cached).toContain("/");
    expect(cached.filter((path) => path !== "/" && !/^\/(assets\/|icon|manifest\.webmanifest$)/.test(path))).toEqual(
      [],
    );

    // Bob alone is cut off, types, and reloads the tab before the room is back: the message
    // was kept on this device, and goes out once the room is reachable again.
    const cutOff = async () => {
      bobCutOff = true;
      for (const ws of bobSockets.splice(0)) {
        await ws.page.close({ code: 1012, reason: "network down" });
        await ws.server.close({ code: 1001, reason: "network down" });
      }
      await offline(bob.page);
    };
    await cutOff();
    const kept = "typed, then the tab was reloaded";
    await composer.fill(kept);
    await composer.press("Enter");
    await bob.page
      .locator(".thread-view .message.outgoing", { hasText: kept })
      .getByText("sending…", { exact: false })
      .waitFor();
    await bob.page.reload();
    await bob.page.getByTestId("connection").getByText("1 change waiting to send").waitFor({ timeout: 30_000 });
    bobCutOff = false;
    await bob.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 60_000 });
    await posted(alice.page).first().waitFor();
    const keptPosted = alice.page.locator(".thread-view .message:not(.outgoing)", { hasText: kept });
    await keptPosted.waitFor({ timeout: 20_000 });
    await bob.page
      .locator(".sidebar")
      .getByRole("button", { name: /Outbox/ })
      .click();
    await bob.page.locator(".thread-view .message:not(.outgoing)", { hasText: kept }).waitFor({ timeout: 20_000 });
    await expect(bob.page.locator(".thread-view .message.outgoing", { hasText: kept }).count()).resolves.toBe(0);
    // Once, on a fresh load too.
    await alice.page.goto(`${server.url}/?w=${workspace}&thread=${threadId}`);
    await alice.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 30_000 });
    await keptPosted.waitFor({ timeout: 20_000 });
    expect(await keptPosted.count()).toBe(1);

    // Bob alone is cut off; the thread is archived before his next message reaches the room.
    await cutOff();
    const late = "posted after the thread was archived";
    await composer.fill(late);
    await composer.press("Enter");
    const refused = bob.page.locator(".thread-view .message.outgoing", { hasText: late });
    await refused.getByText("sending…", { exact: false }).waitFor();
    const cookie = (await alice.ctx.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join("; ");
    const archiver = personClient(server.url, cookie, workspace, "alice-script");
    await archiver.threads.archive({ threadId: threadId! });
    archiver.close();
    bobCutOff = false;
    await refused.getByRole("alert").getByText("thread is archived", { exact: false }).waitFor({ timeout: 30_000 });
    await bob.page.getByTestId("connection").getByText("Live").waitFor();
    await shot(bob.page, "07-refused");
    await refused.getByRole("button", { name: "Discard" }).click();
    await refused.waitFor({ state: "detached" });
    expect(await posted(bob.page).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
