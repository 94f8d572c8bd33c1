// `autopilot projects …` against the real server (wrangler dev), as an agent runs it: the
// CLI bundle in a child process with an agent key. A brief from a file, links from stdin,
// threads added and moved; a person's client sees every change; bad input exits 2 and a
// key without write exits 3, neither changing anything.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Project } from "../../shared/protocol/projects";
import type { AutopilotClient } from "../src/client";
import {
  createKey,
  ownWorkspace,
  personClient,
  signUpVerified,
  until,
  withSharedServer,
  agentCli,
} from "./e2e-helpers";

const server = withSharedServer();
let workspace: string;
let writerKey: string;
let readerKey: string;
let person: AutopilotClient;

const { cli, json } = agentCli(() => ({ url: server.url, workspace, key: writerKey }));

beforeAll(async () => {
  const owner = await signUpVerified(server.url, "Owner");
  workspace = await ownWorkspace(server.url, owner.cookie);
  writerKey = await createKey(server.url, owner.cookie, workspace, { name: "release bot" });
  readerKey = await createKey(server.url, owner.cookie, workspace, { name: "reader", scopes: ["read"] });
  person = personClient(server.url, owner.cookie, workspace, "owner-laptop");
  await person.ready();
}, 120_000);

afterAll(() => {
  person?.close();
});

describe("autopilot projects", () => {
  it("creates, shows, lists, updates and archives a project; a person's client follows", async () => {
    const [t1, t2] = [
      (await person.threads.create({ title: "Billing webhooks" })).thread,
      (await person.threads.create({ title: "Postgres 16" })).thread,
    ];
    const dir = mkdtempSync(join(tmpdir(), "brief-"));
    const briefFile = join(dir, "brief.md");
    writeFileSync(briefFile, "## Goal\nShip 2.4 without a rollback.\n");
    const { project } = await json<{ project: Project }>(
      ["projects", "create", "Release", "2.4", "--brief-file", briefFile, "--links-file", "-", "--threads", t1.id],
      { stdin: "# links\nhttps://example.com/spec Release spec\n\nhttps://status.example.com\n" },
    );
    expect(project).toMatchObject({
      name: "Release 2.4",
      brief: "## Goal\nShip 2.4 without a rollback.\n",
      links: [
        { url: "https://example.com/spec", title: "Release spec" },
        { url: "https://status.example.com", title: "" },
      ],
      threadIds: [t1.id],
      createdBy: { kind: "agent" },
    });
    await until(() => person.state.projects.get(project.id), "the person's client to hear of the project", 10_000);

    expect((await json<{ project: Project }>(["projects", "show", project.id])).project).toEqual(project);
    expect((await json<{ projects: Project[] }>(["projects", "list"])).projects.map((p) => p.id)).toEqual([project.id]);

    const { project: updated } = await json<{ project: Project }>(
      [
        "projects",
        "update",
        project.id,
        "--rename",
        "Release 2.4 (GA)",
        "--add-threads",
        t2.id,
        "--remove-threads",
        t1.id,
      ],
      {},
    );
    expect(updated).toMatchObject({ name: "Release 2.4 (GA)", threadIds: [t2.id] });
    await until(
      () => person.state.projects.get(project.id)?.name === "Release 2.4 (GA)",
      "the person's client to hear of the change",
      10_000,
    );
    const { project: rebriefed } = await json<{ project: Project }>(
      ["projects", "update", project.id, "--brief-file", "-"],
      {
        stdin: "New brief.",
      },
    );
    expect(rebriefed.brief).toBe("New brief.");

    const { project: archived } = await json<{ project: Project }>(["projects", "archive", project.id]);
    expect(archived.archived).toBe(true);
    expect((await json<{ projects: Project[] }>(["projects", "list"])).projects).toEqual([]);
    expect((await json<{ projects: Project[] }>(["projects", "list", "--archived"])).projects.map((p) => p.id)).toEqual(
      [project.id],
    );
    expect((await json<{ project: Project }>(["projects", "archive", project.id, "--restore"])).project.archived).toBe(
      false,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 on bad input and 3 without write, changing nothing", async () => {
    const { project } = await json<{ project: Project }>(["projects", "create", "Guarded"]);
    const nothing = await cli(["projects", "update", project.id]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("nothing to change");
    const trap = await cli(["projects", "update", project.id, "--links-file", "-"], {
      stdin: "javascript:alert(1) click me\n",
    });
    expect(trap.code, trap.stderr).toBe(2);
    const missing = await cli(["projects", "update", project.id, "--brief-file", "/nonexistent/brief.md"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/brief.md");
    const unknown = await cli(["projects", "update", project.id, "--add-threads", "thr_nope"]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain("not_found");
    const forbidden = await cli(["projects", "update", project.id, "--rename", "Mine now"], { key: readerKey });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toContain("forbidden");
    // The reader may read; the project is as it was.
    const shown = await json<{ project: Project }>(["projects", "show", project.id], { key: readerKey });
    expect(shown.project).toEqual(project);
  });
});
