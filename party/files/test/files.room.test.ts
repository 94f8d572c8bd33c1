import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_FILE_NAME } from "../../../shared/protocol/threads";
import { UPLOAD_MAX } from "../../auth/rate-limits";
import { download, JPEG_START, PDF, PNG, upload, uploaded } from "../../test/files-harness";
import { addMember, api, createKey, ORIGIN, signUp } from "../../test/harness";

// Files in threads over HTTP (party/files/): the round trip, every limit, and who may.
const MAX = Number((env as unknown as { FILE_MAX_BYTES: string }).FILE_MAX_BYTES);
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe("files: upload and download", () => {
  it("a PNG goes up and comes back byte for byte, shown inline and never sniffed or run", async () => {
    const owner = await signUp();
    const res = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { name: "pixel.png" });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      file: { id: expect.stringMatching(/^file_/), name: "pixel.png", type: "image/png", size: PNG.byteLength },
    });
    const got = await download(owner.workspaceId, res.body.file.id, { cookie: owner.cookie });
    expect(got.status).toBe(200);
    expect(await bytesOf(got)).toEqual(PNG);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(got.headers.get("content-disposition")).toBe("inline; filename*=UTF-8''pixel.png");
    expect(got.headers.get("cache-control")).toMatch(/^private, max-age=\d+, immutable$/);
  });

  it("a text file or a PDF downloads as an attachment under its (encoded) name", async () => {
    const owner = await signUp();
    const text = new TextEncoder().encode("héllo, wörld\n");
    const noteId = await uploaded(owner.workspaceId, { cookie: owner.cookie }, text, {
      type: "text/markdown; charset=utf-8",
      name: "Notes (draft) ü.md",
    });
    const note = await download(owner.workspaceId, noteId, { cookie: owner.cookie });
    expect(await bytesOf(note)).toEqual(text);
    expect(note.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(note.headers.get("content-disposition")).toBe(
      "attachment; filename*=UTF-8''Notes%20%28draft%29%20%C3%BC.md",
    );
    const pdfId = await uploaded(owner.workspaceId, { cookie: owner.cookie }, PDF, {
      type: "application/pdf",
      name: "report.pdf",
    });
    const pdf = await download(owner.workspaceId, pdfId, { cookie: owner.cookie });
    expect(pdf.headers.get("content-type")).toBe("application/pdf");
    expect(pdf.headers.get("content-disposition")).toBe("attachment; filename*=UTF-8''report.pdf");
  });
});

describe("files: limits", () => {
  it("a type off the allowlist is refused with 415", async () => {
    const owner = await signUp();
    for (const type of ["application/zip", "text/html", "image/svg+xml", ""]) {
      const res = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { type });
      expect(res.status, type).toBe(415);
      expect(res.body.error?.code).toBe("unsupported_media_type");
    }
  });

  it("a body one byte over FILE_MAX_BYTES is refused with 413, streamed or declared; one at the cap is taken", async () => {
    const owner = await signUp();
    const over = new Uint8Array(MAX + 1).fill(0x61);
    const streamed = await upload(owner.workspaceId, { cookie: owner.cookie }, over, {
      type: "text/plain",
      name: "big.txt",
      stream: true,
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body.error?.code).toBe("payload_too_large");
    const declared = await upload(owner.workspaceId, { cookie: owner.cookie }, over, {
      type: "text/plain",
      name: "big.txt",
    });
    expect(declared.status).toBe(413);
    const atCap = await upload(owner.workspaceId, { cookie: owner.cookie }, over.subarray(0, MAX), {
      type: "text/plain",
      name: "cap.txt",
      stream: true,
    });
    expect(atCap.status).toBe(201);
    expect(atCap.body.file.size).toBe(MAX);
  });

  it("content that is not what its type says is refused with 415", async () => {
    const owner = await signUp();
    const cases: [string, Uint8Array][] = [
      ["image/png", JPEG_START],
      ["image/jpeg", PNG],
      ["image/gif", PNG],
      ["image/webp", PNG],
      ["application/pdf", PNG],
      ["text/plain", PNG], // a binary file posing as text
      ["text/csv", new Uint8Array([0x61, 0xff, 0xfe, 0x62])], // not UTF-8
      ["application/json", new Uint8Array([0x7b, 0x00, 0x7d])],
    ];
    for (const [type, bytes] of cases) {
      const res = await upload(owner.workspaceId, { cookie: owner.cookie }, bytes, { type, name: "x" });
      expect(res.status, type).toBe(415);
    }
    expect(
      (await upload(owner.workspaceId, { cookie: owner.cookie }, JPEG_START, { type: "image/jpeg", name: "x.jpg" }))
        .status,
    ).toBe(201);
  });

  it("a name loses its path, control characters and length; none at all is refused", async () => {
    const owner = await signUp();
    const named = async (rawName: string) =>
      (await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { rawName })).body.file.name;
    expect(await named(encodeURIComponent("../../etc/pass\nwd.png"))).toBe("passwd.png");
    expect(await named(encodeURIComponent("C:\\Users\\me\\photo.png"))).toBe("photo.png");
    expect(await named(encodeURIComponent("evil\u202egnp.exe\u0000"))).toBe("evilgnp.exe");
    expect(await named(encodeURIComponent(`${"ä".repeat(MAX_FILE_NAME + 50)}.png`))).toBe("ä".repeat(MAX_FILE_NAME));
    for (const rawName of [null, "", encodeURIComponent("../"), "%E0%A4%A"]) {
      const res = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { rawName });
      expect(res.status, String(rawName)).toBeGreaterThanOrEqual(400);
      expect(res.status, String(rawName)).toBeLessThan(500);
    }
  });

  it("a workspace stores at most FILE_WORKSPACE_MAX_BYTES of files: the upload past it is refused with 413 and its bytes are not kept", async () => {
    const owner = await signUp();
    const cap = Number((env as unknown as { FILE_WORKSPACE_MAX_BYTES: string }).FILE_WORKSPACE_MAX_BYTES);
    const full = new Uint8Array(MAX).fill(0x62);
    for (let stored = 0; stored + MAX <= cap; stored += MAX)
      expect(
        (await upload(owner.workspaceId, { cookie: owner.cookie }, full, { type: "text/plain", name: "part.txt" }))
          .status,
      ).toBe(201);
    const listed = async () =>
      (await (env as unknown as { FILES: R2Bucket }).FILES.list({ prefix: `${owner.workspaceId}/` })).objects.length;
    const before = await listed();
    const over = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { name: "one-more.png" });
    expect(over.status).toBe(413);
    expect(over.body.error?.message).toMatch(/may take at most \d+ bytes together/);
    expect(await listed()).toBe(before);
    // Another workspace is counted apart.
    const other = await signUp();
    expect((await upload(other.workspaceId, { cookie: other.cookie }, PNG)).status).toBe(201);
  });

  it(`a principal uploads at most ${UPLOAD_MAX} files a window; the next is refused with 429 and retry-after`, async () => {
    const owner = await signUp();
    for (let i = 0; i < UPLOAD_MAX; i++) await uploaded(owner.workspaceId, { cookie: owner.cookie });
    const res = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG);
    expect(res.status).toBe(429);
    expect(res.body.error?.code).toBe("rate_limited");
    // Someone else in the same workspace has a bucket of their own.
    const key = await createKey(owner, owner.workspaceId);
    expect((await upload(owner.workspaceId, { key: key.key }, PNG)).status).toBe(201);
  });
});

describe("files: who may", () => {
  it("no credentials is 401, for upload and download", async () => {
    const owner = await signUp();
    const id = await uploaded(owner.workspaceId, { cookie: owner.cookie });
    expect((await upload(owner.workspaceId, {}, PNG)).status).toBe(401);
    expect((await download(owner.workspaceId, id, {})).status).toBe(401);
    // A connect ticket is a socket's pass, not a file's.
    const ticket = await api<{ ticket: string }>("/api/connect-ticket", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ workspaceId: owner.workspaceId }),
    });
    expect((await SELF.fetch(`${ORIGIN}/files/${owner.workspaceId}/${id}?ticket=${ticket.body.ticket}`)).status).toBe(
      401,
    );
  });

  it("a viewer may download but not upload (403); a member may both", async () => {
    const owner = await signUp();
    const [viewer, member] = [await signUp(), await signUp()];
    await addMember(owner, owner.workspaceId, viewer, "viewer");
    await addMember(owner, owner.workspaceId, member, "member");
    const id = await uploaded(owner.workspaceId, { cookie: owner.cookie });
    const refused = await upload(owner.workspaceId, { cookie: viewer.cookie }, PNG);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe("forbidden");
    expect((await download(owner.workspaceId, id, { cookie: viewer.cookie })).status).toBe(200);
    expect((await upload(owner.workspaceId, { cookie: member.cookie }, PNG)).status).toBe(201);
    // A key with read alone is a viewer here.
    const reader = await createKey(owner, owner.workspaceId, ["read"]);
    expect((await upload(owner.workspaceId, { key: reader.key }, PNG)).status).toBe(403);
    expect((await download(owner.workspaceId, id, { key: reader.key })).status).toBe(200);
  });

  it("another workspace's file is 404 from one's own workspace, and its workspace is 403 to outsiders", async () => {
    const [alice, bob] = [await signUp(), await signUp()];
    const id = await uploaded(alice.workspaceId, { cookie: alice.cookie });
    const asOwn = await download(bob.workspaceId, id, { cookie: bob.cookie });
    expect(asOwn.status).toBe(404);
    expect(await asOwn.text()).not.toContain("PNG");
    expect((await download(alice.workspaceId, id, { cookie: bob.cookie })).status).toBe(403);
    const bobKey = await createKey(bob, bob.workspaceId);
    expect((await download(alice.workspaceId, id, { key: bobKey.key })).status).toBe(403);
    expect((await download(bob.workspaceId, id, { key: bobKey.key })).status).toBe(404);
  });

  it("a revoked key is refused (401) for upload and download", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const id = await uploaded(owner.workspaceId, { key: agent.key });
    expect(
      (await api(`/api/workspaces/${owner.workspaceId}/keys/${agent.id}`, { method: "DELETE", cookie: owner.cookie }))
        .status,
    ).toBe(200);
    expect((await upload(owner.workspaceId, { key: agent.key }, PNG)).status).toBe(401);
    expect((await download(owner.workspaceId, id, { key: agent.key })).status).toBe(401);
    expect((await download(owner.workspaceId, id, { cookie: owner.cookie })).status).toBe(200);
  });

  it("a cookie request from another site is refused (403), and so is a cookie upload without its name header", async () => {
    const owner = await signUp();
    const id = await uploaded(owner.workspaceId, { cookie: owner.cookie });
    const evil = await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, {
      headers: { origin: "https://evil.example" },
    });
    expect(evil.status).toBe(403);
    expect((await upload(owner.workspaceId, { cookie: owner.cookie }, PNG, { rawName: null })).status).toBe(403);
    expect(
      (await download(owner.workspaceId, id, { cookie: owner.cookie }, { "sec-fetch-site": "cross-site" })).status,
    ).toBe(403);
    // An agent's key is not ambient: no origin rule applies.
    const agent = await createKey(owner, owner.workspaceId);
    expect(
      (await upload(owner.workspaceId, { key: agent.key }, PNG, { headers: { origin: "https://elsewhere.example" } }))
        .status,
    ).toBe(201);
  });

  it("wrong methods and malformed paths are refused without touching storage", async () => {
    const owner = await signUp();
    const id = await uploaded(owner.workspaceId, { cookie: owner.cookie });
    expect(
      (await SELF.fetch(`${ORIGIN}/files/${owner.workspaceId}`, { headers: { cookie: owner.cookie } })).status,
    ).toBe(405);
    expect(
      (
        await SELF.fetch(`${ORIGIN}/files/${owner.workspaceId}/${id}`, {
          method: "DELETE",
          headers: { cookie: owner.cookie, origin: ORIGIN },
        })
      ).status,
    ).toBe(405);
    expect(
      (await SELF.fetch(`${ORIGIN}/files/${owner.workspaceId}/${id}/more`, { headers: { cookie: owner.cookie } }))
        .status,
    ).toBe(404);
    expect(
      (
        await SELF.fetch(`${ORIGIN}/files/${owner.workspaceId}/%66${id.slice(1)}`, {
          headers: { cookie: owner.cookie },
        })
      ).status,
    ).toBe(404);
  });
});
