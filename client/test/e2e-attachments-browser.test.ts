// Files in threads, in the app (issue 27): the real server (wrangler dev with its local R2)
// and two people in Chromium. Alice attaches an image and a text file to a message in a
// thread the Autopilot answers; the scripted model (the only stand-in: a paid API) answers
// with what it received, so the reply proves both files reached the model. Bob's tab shows
// the image (loaded from the server) and a download link for the text file; a type the
// product does not take is refused in the composer with a sentence. Screenshots go to
// test-artifacts/.
import { deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { ChatRequest } from "../../runtime/test/scripted-model";
import { openPages, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { openNewThread } from "./app-steps";
import { modelVars, withScriptedModel, withServer } from "./e2e-helpers";

const stamp = Date.now();
const CODE_WORD = `heron-${stamp}`;

let alice: Page;
let bob: Page;

const shot = screenshots("attachments");

/** A real PNG (a blue square with an orange band), made here so the test needs no fixture. */
function png(size: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const band = y > size * 0.4 && y < size * 0.6;
      rows.set(band ? [240, 140, 40] : [40, 90, 200], y * (size * 3 + 1) + 1 + x * 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** The model answers with what the newest person's message carried. */
function describeFiles(request: ChatRequest) {
  const user = request.messages?.findLast((m) => m.role === "user");
  const parts = Array.isArray(user?.content)
    ? (user.content as { type: string; text?: string; image_url?: { url: string } }[])
    : [];
  const images = parts.filter(
    (p) => p.type === "image_url" && p.image_url?.url.startsWith("data:image/png;base64,"),
  ).length;
  const word = /heron-\d+/.exec(parts.map((p) => p.text ?? "").join("\n"))?.[0] ?? "no word";
  return { text: `I received ${images} image(s); the note says ${word}.` };
}

const model = withScriptedModel({ usage: "when-asked", apiKey: "attachments-model-key", reply: describeFiles });
const server = withServer(() => ({ vars: modelVars(model, "attachments-model-key") }));
const browser = withBrowser();

beforeAll(async () => {
  [alice, bob] = await openPages(browser, ["Alice", "Bob"]);
});

describe("files in a thread, in the app", () => {
  it("Alice attaches an image and a note; the Autopilot's model gets both; Bob sees the image and the note's link", async () => {
    const bobEmail = `bob-${stamp}@example.test`;
    await Promise.all([
      signUpInUi(alice, server.url, "Alice", `alice-${stamp}@example.test`),
      signUpInUi(bob, server.url, "Bob", bobEmail),
    ]);
    const workspace = await alice.locator("#workspace-switcher").inputValue();
    await alice.getByRole("button", { name: "Members & keys" }).click();
    const dialog = alice.getByRole("dialog");
    await dialog.getByLabel("Email of the person to add").fill(bobEmail);
    await dialog.getByRole("button", { name: "Add member" }).click();
    await dialog.getByText(`${bobEmail} was added as member.`).waitFor();
    await dialog.getByRole("button", { name: "Close settings" }).click();
    await bob.goto(`${server.url}/?w=${workspace}`);
    await bob.getByTestId("connection").getByText("Live").waitFor({ timeout: 20_000 });

    await openNewThread(alice, "Launch assets");
    await expect.poll(() => alice.getByLabel("Answered by").inputValue()).toBe("autopilot");

    // A type the product does not take is refused before any upload, with a sentence.
    const picker = alice.locator(".composer input[type=file]");
    await picker.setInputFiles({ name: "run.sh", mimeType: "application/x-sh", buffer: Buffer.from("echo hi\n") });
    await alice
      .locator(".composer")
      .getByRole("alert")
      .getByText(/run\.sh: only images/)
      .waitFor();
    await alice.getByRole("button", { name: "Remove run.sh" }).click();

    await picker.setInputFiles([
      { name: "banner.png", mimeType: "image/png", buffer: png(96) },
      { name: "note.txt", mimeType: "text/plain", buffer: Buffer.from(`The code word is ${CODE_WORD}.\n`) },
    ]);
    const chips = alice.getByRole("list", { name: "Files to send" });
    await expect.poll(() => chips.locator(".attachment-chip.is-ready").count(), { timeout: 20_000 }).toBe(2);
    await alice.getByLabel("Message", { exact: true }).fill("What do these say?");
    await alice.getByLabel("Message", { exact: true }).press("Enter");
    await expect.poll(() => chips.count()).toBe(0);

    const reply = alice.locator(".message", { hasText: "I received" });
    // The reply streams in first ("replying…"): its text is whole once the message is.
    await expect
      .poll(() => reply.first().textContent(), { timeout: 30_000 })
      .toContain(`I received 1 image(s); the note says ${CODE_WORD}.`);

    // Bob: the image loaded from the server (the browser decoded it) and the note as a download.
    await bob
      .locator(".sidebar")
      .getByRole("button", { name: /Launch assets/ })
      .click();
    const sent = bob.locator(".message", { hasText: "What do these say?" });
    const image = sent.getByRole("img", { name: "banner.png" });
    await image.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 })
      .toBe(96);
    const link = sent.getByRole("link", { name: "note.txt" });
    expect(await link.getAttribute("download")).toBe("note.txt");
    const href = (await link.getAttribute("href"))!;
    const download = await bob.request.get(`${server.url}${href}`);
    expect(download.status()).toBe(200);
    expect(await download.text()).toContain(CODE_WORD);
    expect(download.headers()["content-disposition"]).toMatch(/^attachment/);
    await bob.locator(".message", { hasText: "I received 1 image(s)" }).waitFor();
    await shot(bob, "01-bob-sees-files");
    await shot(alice, "02-alice-reply");
  });
});
