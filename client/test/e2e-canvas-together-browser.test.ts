// Working on the canvas together, end to end: the real server (wrangler dev, as `npm start`
// runs it) and two people in two Chromium contexts. Undo takes back only one's own change,
// "+ Note" opens the note for writing (typing never reaches the canvas's keys), a tidy-up
// is told to the other and undone in one step by the one who did it,
// a note is typed into by both at once with the other's caret shown, a comment is made and
// deleted, and one follows the other's view until Esc, and until the other leaves. Who is
// here is one entry per person with their devices, never oneself, and a closed tab and a
// revoked key leave everyone's list within 2 s.
// Screenshots go to test-artifacts/ (git-ignored) so a person can look at what ran.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  dragNode,
  openPage,
  screenshots,
  signInWithKey,
  steadyView,
  twoPeopleInOneWorkspace,
  withBrowser,
  withPeople,
} from "./browser-helpers";
import { zoomTo } from "./canvas-metrics";
import { withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
const browser = withBrowser();
const people = withPeople(browser, ["ann", "ben"]);
const notes = { ann: "", ben: "", typed: "" };
let workspace = "";

const shot = screenshots("together");
const nodeAt = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);

async function position(page: Page, id: string): Promise<{ x: number; y: number }> {
  const transform = await nodeAt(page, id).evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec(transform);
  if (!m) throw new Error(`no position in ${transform}`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/**
 * Where `page` shows node `id` after fitting its view, or null while it shows no such node
 * (React Flow renders only what is in view).
 */
async function positionSeen(page: Page, id: string): Promise<{ x: number; y: number } | null> {
  await page.getByRole("button", { name: "Fit view", exact: true }).click();
  return (await nodeAt(page, id).count()) > 0 ? position(page, id) : null;
}

/** React Flow's view: translate and zoom of the viewport element. */
async function view(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const transform = await page.locator(".react-flow__viewport").evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)\s*scale\(([-\d.]+)\)/.exec(transform);
  if (!m) throw new Error(`no view in ${transform}`);
  return { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) };
}

const drag = (page: Page, id: string, dx: number, dy: number) => dragNode(nodeAt(page, id), dx, dy);

/** Adds a note from the toolbar and writes `text` in the inspector; its node id. */
async function addNote(page: Page, text: string): Promise<string> {
  await page.getByRole("button", { name: "+ Note" }).click();
  const field = page.locator("#node-field");
  await field.fill(text);
  await field.blur();
  const note = page.locator(".react-flow__node-note", { hasText: text });
  await note.waitFor({ timeout: 20_000 });
  return (await note.getAttribute("data-id"))!;
}

describe("the canvas together", () => {
  it("two people, a note each, both canvases showing both notes and each other", async () => {
    const { ann, ben } = people;
    workspace = await twoPeopleInOneWorkspace(server.url, ann, ben);
    notes.ann = await addNote(ann.page, "Ann's note");
    // A new note lands in the middle of the view: Ann's makes room for Ben's.
    await drag(ann.page, notes.ann, -320, 0);
    const aside = await position(ann.page, notes.ann);
    // Ben's view may not show it yet: React Flow renders only what is in view.
    await expect.poll(() => positionSeen(ben.page, notes.ann), { timeout: 20_000, interval: 500 }).toEqual(aside);
    notes.ben = await addNote(ben.page, "Ben's note");
    // The middle of Ben's view was Ann's note: his lands beside it, on nothing.
    const [annBox, benBox] = [
      await nodeAt(ben.page, notes.ann).boundingBox(),
      await nodeAt(ben.page, notes.ben).boundingBox(),
    ];
    const apart =
      benBox!.x >= annBox!.x + annBox!.width ||
      annBox!.x >= benBox!.x + benBox!.width ||
      benBox!.y >= annBox!.y + annBox!.height ||
      annBox!.y >= benBox!.y + benBox!.height;
    expect(apart).toBe(true);
    const benAside = await position(ben.page, notes.ben);
    await expect.poll(() => positionSeen(ann.page, notes.ben), { timeout: 20_000, interval: 500 }).toEqual(benAside);
    for (const page of [ann.page, ben.page]) {
      await page.getByRole("button", { name: "Fit view", exact: true }).click();
      await nodeAt(page, notes.ann).waitFor();
      await nodeAt(page, notes.ben).waitFor();
      // Two notes fill a fitted view; a step back keeps them clear of the toolbars.
      await page.getByRole("button", { name: "Zoom Out" }).click();
      await page.getByRole("button", { name: "Zoom Out" }).click();
    }
    await shot(ann.page, "00-two-notes");
    await ann.page.getByRole("button", { name: "Follow Ben" }).waitFor({ timeout: 10_000 });
    await ben.page.getByRole("button", { name: "Follow Ann" }).waitFor({ timeout: 10_000 });
    // Each one's view is on the other's minimap.
    await expect
      .poll(() => ann.page.locator(".minimap").getAttribute("data-peer-views"), { timeout: 10_000 })
      .toBe("Ben");
    await expect
      .poll(() => ben.page.locator(".minimap").getAttribute("data-peer-views"), { timeout: 10_000 })
      .toBe("Ann");
  });

  it("undo takes back only one's own move: Ann's note goes back, Ben's stays where he put it", async () => {
    const { ann, ben } = people;
    const annAt = await position(ann.page, notes.ann);
    const benAt = await position(ann.page, notes.ben);
    await drag(ann.page, notes.ann, 0, 90);
    const annMoved = await position(ann.page, notes.ann);
    expect(annMoved.y).toBeGreaterThan(annAt.y + 20);
    await expect.poll(() => position(ben.page, notes.ann), { timeout: 10_000 }).toEqual(annMoved);
    // Ben moves his note after Ann moved hers: the later change in the document is his.
    await drag(ben.page, notes.ben, 0, 90);
    const benMoved = await position(ben.page, notes.ben);
    expect(benMoved.y).toBeGreaterThan(benAt.y + 20);
    await expect.poll(() => position(ann.page, notes.ben), { timeout: 10_000 }).toEqual(benMoved);

    const undo = ann.page.getByRole("button", { name: "Undo", exact: true });
    await expect.poll(() => undo.isEnabled()).toBe(true);
    await undo.click();
    for (const page of [ann.page, ben.page]) {
      await expect.poll(() => position(page, notes.ann), { timeout: 10_000 }).toEqual(annAt);
      expect(await position(page, notes.ben)).toEqual(benMoved);
    }
    await shot(ann.page, "01-undo");
    // Redo from the keyboard brings Ann's move back.
    await ann.page.keyboard.press("Control+Shift+KeyZ");
    await expect.poll(() => position(ben.page, notes.ann), { timeout: 10_000 }).toEqual(annMoved);
    expect(await position(ben.page, notes.ben)).toEqual(benMoved);
  });

  it("+ Note, then typing, zoomed far out: the words go into the new note and no key acts on the canvas", async () => {
    const { ann, ben } = people;
    const notesAt = (page: Page) => Promise.all([notes.ann, notes.ben].map((id) => position(page, id)));
    // Ben's canvas is the witness of the shared document: fitted, it draws every node there is.
    const fitBen = () => ben.page.getByRole("button", { name: "Fit view", exact: true }).click();
    await fitBen();
    const before = await notesAt(ben.page);
    // Far out, where a note shows its title only (semantic zoom): there is nothing to type in.
    const pane = (await ann.page.locator(".react-flow__pane").boundingBox())!;
    const middle = { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 };
    expect(await zoomTo(ann.page, 0.4, middle)).toBeLessThan(0.75);
    await ann.page.getByRole("button", { name: "+ Note" }).click();
    // Every single key of the canvas (N, G, F, T) and of the app (I, A, C, W) is in it.
    const sentence = "Note for Wednesday: tidy the graph, fix a cache, then group it";
    await ann.page.keyboard.type(sentence);
    const field = ann.page.locator(".react-flow__node-note textarea");
    await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toBe(sentence);
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    // The view came close enough to write legibly.
    expect((await view(ann.page)).zoom).toBeGreaterThanOrEqual(0.75);
    await shot(ann.page, "01b-note-typed");
    const typed = ann.page.locator(".react-flow__node-note", { has: ann.page.locator("textarea") });
    notes.typed = (await typed.getAttribute("data-id"))!;
    const written = nodeAt(ben.page, notes.typed);
    await expect
      .poll(
        async () => {
          await fitBen();
          return (await written.count()) > 0 ? written.textContent() : null;
        },
        { timeout: 10_000, interval: 500 },
      )
      .toContain(sentence);
    // One note more and nothing else: no note or group from the keys, nobody's note moved.
    expect(await ben.page.locator(".react-flow__node-note").count()).toBe(3);
    expect(await ben.page.locator(".react-flow__node-group").count()).toBe(0);
    expect(await notesAt(ben.page)).toEqual(before);
    await ann.page.keyboard.press("Escape");
    await ann.page.getByRole("button", { name: "Fit view", exact: true }).click();
  });

  it("Tidy up moves everyone's layout: the others are told who did it, and one undo of hers takes it all back", async () => {
    const { ann, ben } = people;
    const ids = [notes.ann, notes.ben];
    const fitted = async (page: Page) => {
      await page.getByRole("button", { name: "Fit view", exact: true }).click();
      for (const id of ids) await nodeAt(page, id).waitFor();
      return Promise.all(ids.map((id) => position(page, id)));
    };
    const before = await fitted(ben.page);
    await ann.page.getByRole("button", { name: "Tidy up", exact: true }).click();
    const notice = ben.page.getByRole("status").filter({ hasText: "Ann tidied up the canvas" });
    await notice.waitFor({ timeout: 10_000 });
    await expect.poll(() => fitted(ben.page), { timeout: 10_000, interval: 500 }).not.toEqual(before);
    await shot(ben.page, "01c-tidied-by-ann");
    // Ann did it: she is not told.
    expect(await ann.page.getByText("tidied up the canvas").count()).toBe(0);

    // One step of her undo: the whole layout is back, and the note she wrote before stays written.
    await ann.page.getByRole("button", { name: "Undo", exact: true }).click();
    await expect.poll(() => fitted(ben.page), { timeout: 10_000, interval: 500 }).toEqual(before);
    expect(await nodeAt(ben.page, notes.typed).textContent()).toContain("Note for Wednesday");
    await notice.getByRole("button", { name: "Dismiss" }).click();
    await notice.waitFor({ state: "detached" });
  });

  it("a note typed into by both at once: the words merge, and each sees the other's caret", async () => {
    const { ann, ben } = people;
    // People write in a note zoomed in: fitted to the whole canvas, a note shows its title
    // only (semantic zoom). Both zoom to 1 on Ann's note with the wheel, as a person would.
    for (const page of [ann.page, ben.page]) {
      const box = (await nodeAt(page, notes.ann).boundingBox())!;
      expect(await zoomTo(page, 1, { x: box.x + box.width / 2, y: box.y + box.height / 2 })).toBeCloseTo(1, 1);
    }
    const annNote = nodeAt(ann.page, notes.ann);
    // A zoom eases in: a double-click aimed while the view still moves lands beside the note.
    await steadyView(ann.page);
    await annNote.locator(".note-text").dblclick({ position: { x: 12, y: 8 } });
    const field = annNote.locator("textarea");
    await field.focus();
    await ann.page.keyboard.press("End");
    await ann.page.keyboard.type(" — ship Friday", { delay: 20 });
    const benNote = nodeAt(ben.page, notes.ann);
    // Ben sees the words as they are typed, and Ann's caret after them.
    await expect
      .poll(() => benNote.locator(".note-text").textContent(), { timeout: 10_000 })
      .toContain("Ann's note — ship Friday");
    const caret = benNote.locator('.remote-caret[data-peer="Ann"]');
    await caret.waitFor({ timeout: 10_000 });
    expect(await caret.evaluate((el) => el.previousSibling?.textContent ?? "")).toBe("Ann's note — ship Friday");
    // Ann goes to the start; her caret moves there on Ben's screen.
    await ann.page.keyboard.press("Control+Home");
    await expect
      .poll(() => caret.evaluate((el) => el.previousSibling?.textContent ?? ""), { timeout: 10_000 })
      .toBe("");
    await shot(ben.page, "02-remote-caret");

    // Ben types at the end in the inspector while Ann types at the start.
    await benNote.click();
    const benField = ben.page.locator("#node-field");
    await benField.focus();
    await ben.page.keyboard.press("Control+End");
    await Promise.all([
      ben.page.keyboard.type(" (Ben agrees)", { delay: 30 }),
      ann.page.keyboard.type("Plan: ", { delay: 30 }),
    ]);
    const merged = "Plan: Ann's note — ship Friday (Ben agrees)";
    await expect.poll(() => benField.inputValue(), { timeout: 10_000 }).toBe(merged);
    await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toBe(merged);
    await ann.page.keyboard.press("Escape");
    await benField.blur();
    await expect
      .poll(() => nodeAt(ann.page, notes.ann).locator(".note-text").textContent(), { timeout: 10_000 })
      .toBe(merged);
  });

  it("a comment on a node: its count on both canvases, its author and text in the inspector; only its author deletes it", async () => {
    const { ann, ben } = people;
    await nodeAt(ben.page, notes.ann).click();
    await ben.page.getByRole("textbox", { name: "Add a comment" }).fill("<b>Looks</b> good");
    await ben.page.getByRole("button", { name: "Comment", exact: true }).click();
    for (const page of [ann.page, ben.page])
      await expect
        .poll(() => nodeAt(page, notes.ann).locator(".comment-count").textContent(), { timeout: 10_000 })
        .toContain("1");
    await nodeAt(ann.page, notes.ann).click();
    const comment = ann.page.locator(".comment", { hasText: "Looks" });
    await comment.waitFor();
    // Shown as text, never as HTML.
    expect(await comment.locator(".comment-text").textContent()).toBe("<b>Looks</b> good");
    expect(await comment.locator("b").count()).toBe(0);
    expect(await comment.locator(".comment-meta strong").textContent()).toBe("Ben");
    expect(await comment.getByRole("button", { name: /Delete your comment/ }).count()).toBe(0);
    await shot(ann.page, "03-comment");
    await ben.page.getByRole("button", { name: /Delete your comment/ }).click();
    await expect.poll(() => nodeAt(ann.page, notes.ann).locator(".comment-count").count(), { timeout: 10_000 }).toBe(0);
    await comment.waitFor({ state: "detached" });
  });

  it("+ Note waits for the canvas: off while its document loads, then it opens a note for writing", async () => {
    const { ann } = people;
    // Ann's canvas socket waits for the test (the route wraps the page's WebSocket when a document
    // loads); later ones go straight through.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await ann.page.routeWebSocket(/\/parties\/hatchery\//, async (ws) => {
      await held;
      ws.connectToServer();
    });
    await ann.page.reload();
    const add = ann.page.getByRole("button", { name: "+ Note" });
    try {
      await ann.page.getByText("Loading the canvas…").waitFor({ timeout: 20_000 });
      // The room is live (Ann may write), her canvas is not.
      await ann.page.getByTestId("connection").getByText("Canvas reconnecting…").waitFor({ timeout: 20_000 });
      // Before, a click here wrote a note the canvas could not open yet: nothing took the words.
      expect(await add.isDisabled()).toBe(true);
    } finally {
      release();
    }
    await expect.poll(() => add.isEnabled(), { timeout: 20_000 }).toBe(true);
    await nodeAt(ann.page, notes.ann).waitFor({ timeout: 20_000 });
    const id = await addNote(ann.page, "Written once the canvas was there");
    expect(id).toMatch(/^note:/);
  });

  it("who is here: one entry per person with their devices, never oneself; a closed tab and a revoked key leave within 2 s", async () => {
    const { ann, ben } = people;
    const here = (page: Page) => page.getByRole("list", { name: "People here" });
    const entry = (page: Page, name: string) => here(page).locator("li", { has: page.getByLabel(`Follow ${name}`) });
    // Ben opens the workspace in a second tab: Ann sees one Ben, on two devices.
    const benSecond = await ben.ctx.newPage();
    await benSecond.goto(`${server.url}/?w=${workspace}`);
    await benSecond.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await expect.poll(() => entry(ann.page, "Ben").getAttribute("data-devices"), { timeout: 10_000 }).toBe("2");
    expect(await here(ann.page).locator("li").count()).toBe(1);
    // Ben's own tabs know of both, and neither offers the other as someone to follow.
    await ben.page.locator(".sidebar").getByText("2 devices").waitFor({ timeout: 10_000 });
    for (const page of [ben.page, benSecond]) {
      await entry(page, "Ann").waitFor();
      expect(await here(page).locator("li").count()).toBe(1);
    }

    // An agent signed in to the app with its key is here too, until its key is revoked.
    const created = await ann.ctx.request.post(`${server.url}/api/workspaces/${workspace}/keys`, {
      data: { name: "Scout", scopes: ["read", "write"] },
      headers: { origin: server.url },
    });
    expect(created.status()).toBe(201);
    const key = (await created.json()) as { id: string; key: string };
    const { ctx: agentCtx, page: agentPage } = await openPage(browser, "Scout");
    await signInWithKey(agentPage, server.url, key.key);
    for (const page of [ann.page, ben.page]) await entry(page, "Scout").waitFor({ timeout: 10_000 });
    await shot(ann.page, "04a-who-is-here");
    const revoked = await ann.ctx.request.delete(`${server.url}/api/workspaces/${workspace}/keys/${key.id}`, {
      headers: { origin: server.url },
    });
    expect(revoked.status()).toBe(200);
    for (const page of [ann.page, ben.page, benSecond])
      await entry(page, "Scout").waitFor({ state: "detached", timeout: 2000 });

    // Ben closes his second tab: Ann's entry for him says one device again.
    await benSecond.close();
    await expect.poll(() => entry(ann.page, "Ben").getAttribute("data-devices"), { timeout: 2000 }).toBe("1");
    await agentCtx.close();

    // A fresh load shows who is here at once, ready to follow, with nobody having moved.
    await ann.page.reload();
    await ann.page.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });
    await expect.poll(() => ann.page.getByLabel("Follow Ben").isEnabled(), { timeout: 5000 }).toBe(true);
  });

  it("following: Ben's view follows Ann's until he presses Esc; when Ann leaves, it stops and says so", async () => {
    const { ann, ben } = people;
    await ben.page.getByRole("button", { name: "Follow Ann" }).click();
    await ben.page.getByText("Following Ann — Esc to stop").waitFor();
    // Same window size on both sides: following shows exactly Ann's view.
    await ann.page.getByRole("button", { name: "Zoom In" }).click();
    await ann.page.getByRole("button", { name: "Zoom In" }).click();
    const annView = await view(ann.page);
    await expect
      .poll(
        async () => {
          const b = await view(ben.page);
          return (
            Math.abs(b.zoom - annView.zoom) < 0.01 && Math.abs(b.x - annView.x) < 2 && Math.abs(b.y - annView.y) < 2
          );
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await shot(ben.page, "04-following");

    await ben.page.keyboard.press("Escape");
    await ben.page.getByText("Following Ann — Esc to stop").waitFor({ state: "detached" });
    const benView = await view(ben.page);
    await ann.page.getByRole("button", { name: "Zoom Out" }).click();
    const annLater = await view(ann.page);
    // Ben's canvas has Ann's new view (her box on his minimap) and does not move to it.
    await expect
      .poll(() => ben.page.locator(".minimap").getAttribute("data-peer-zooms"), { timeout: 10_000 })
      .toBe(`Ann@${annLater.zoom.toFixed(2)}`);
    // (A follow step already under way when Esc was pressed may still land: a hair, not a zoom step.)
    const after = await view(ben.page);
    expect(Math.abs(after.zoom - benView.zoom)).toBeLessThan(0.01);
    expect(Math.abs(after.zoom - annLater.zoom)).toBeGreaterThan(0.1);

    await ben.page.getByRole("button", { name: "Follow Ann" }).click();
    await ben.page.getByText("Following Ann — Esc to stop").waitFor();
    await ann.page.close();
    await ben.page.getByText("Ann left — you are no longer following").waitFor({ timeout: 20_000 });
    // Her canvas went first; the room's presence follows within its coalescing window.
    await ben.page.getByRole("button", { name: "Follow Ann" }).waitFor({ state: "detached", timeout: 2000 });
    await shot(ben.page, "05-left");
  });
});
