// Every paged list of the protocol, paged past its first page by the real client library
// against the real server (wrangler dev, the Autopilot on the scripted model). The methods are
// read from the method registry (every result with a `next` PageCursor), so a list added later
// is paged here too, or this test says it has no way to fill it. Each list gets several pages
// (a small `limit`); every item arrives exactly once, in the order one large page gives, and the
// library accepts every page (a cursor the client's schema refuses fails the whole answer:
// receipts once stopped at 20 this way). A client pinned to the oldest protocol the room speaks
// pages the receipts too: it holds the same cursor rules and cannot be updated.
import { pathToFileURL } from "node:url";
import { keptFile } from "./kept/kept";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { Methods, type MethodName } from "../../shared/protocol/methods";
import { PageCursor } from "../../shared/protocol/paging";
import { OLDEST_PROTOCOL_VERSION } from "../../shared/protocol/version";
import type { AutopilotClient } from "../src/client";
import {
  httpJson,
  modelVars,
  ownWorkspace,
  personClient,
  signUpVerified,
  until,
  withScriptedModel,
  withServer,
} from "./e2e-helpers";

const model = withScriptedModel();
const server = withServer(() => ({ vars: modelVars(model) }));
/** Items each list gets at least: three pages of two. */
const ITEMS = 5;
const LIMIT = 2;
/** The library as built for the oldest protocol the room speaks (plain JavaScript, typed where used). */
const PREVIOUS_CLIENT = pathToFileURL(keptFile(OLDEST_PROTOCOL_VERSION, "index.mjs")).href;

/** The methods whose result pages with a PageCursor: `next` is `PageCursor.nullable()`. */
function pagedMethods(): MethodName[] {
  return (Object.keys(Methods) as MethodName[]).filter((name) => {
    const result: unknown = Methods[name].result;
    if (!(result instanceof z.ZodObject)) return false;
    const next: unknown = (result.shape as Record<string, unknown>).next;
    return next instanceof z.ZodNullable && next.unwrap() === PageCursor;
  });
}

type Page = { items: { id: string }[]; next: PageCursor | null };
type Lists = (method: MethodName, params: { limit: number; before?: PageCursor }) => Promise<Page>;

let alice: AutopilotClient;
let workspace: string;
let cookie: string;

/** How each paged list gets more than one page of items, and where its items are in the result. */
const FILL: Record<string, { fill: (client: AutopilotClient) => Promise<void>; key: string }> = {
  "threads.list": {
    key: "threads",
    fill: async (c) => {
      for (let i = 0; i < ITEMS; i++) await c.threads.create({ title: `Paged thread ${i}` });
    },
  },
  "approvals.list": {
    key: "approvals",
    fill: async (c) => {
      for (let i = 0; i < ITEMS; i++) await c.approvals.request({ title: `Paged approval ${i}` });
    },
  },
  "jobs.list": {
    key: "jobs",
    fill: async (c) => {
      for (let i = 0; i < ITEMS; i++) await c.request("jobs.start", { title: `Paged job ${i}` });
    },
  },
  "projects.list": {
    key: "projects",
    fill: async (c) => {
      for (let i = 0; i < ITEMS; i++) await c.request("projects.create", { name: `Paged project ${i}` });
    },
  },
  "tasks.list": {
    key: "tasks",
    fill: async (c) => {
      for (let i = 0; i < ITEMS; i++) await c.request("tasks.start", { goal: `Say hello, paged task ${i}` });
    },
  },
  // Receipts: each task's model call and each Autopilot reply is one (their ids are long).
  "billing.entries": {
    key: "entries",
    fill: async (c) => {
      // A thread each: messages sent to one thread while its reply runs are answered together.
      for (let i = 0; i < ITEMS; i++) {
        const { thread } = await c.threads.create({
          title: `Paged question ${i}`,
        });
        await c.chat.send({ threadId: thread.id, text: `Paged question ${i}` });
      }
    },
  },
};

beforeAll(async () => {
  ({ cookie } = await signUpVerified(server.url, "Alice"));
  workspace = await ownWorkspace(server.url, cookie);
  alice = personClient(server.url, cookie, workspace, "paging");
  await alice.ready();
});

afterAll(() => alice?.close());

/** Every page of `method` through `list`, from the first until `next` is null. */
async function allPages(list: Lists, method: MethodName): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let before: PageCursor | undefined;
  let pages = 0;
  do {
    const page = await list(method, {
      limit: LIMIT,
      ...(before ? { before } : {}),
    });
    pages++;
    ids.push(...page.items.map((item) => item.id));
    before = page.next ?? undefined;
  } while (before && pages < 100);
  return { ids, pages };
}

describe("paging every paged list with the client library", () => {
  it("each list arrives whole, each item once, over more than one page", async () => {
    const methods = pagedMethods();
    expect(methods).toContain("billing.entries");
    // A paged list this test cannot fill yet is a list nobody paged: add its FILL.
    expect(methods.filter((m) => !FILL[m])).toEqual([]);

    for (const method of methods) await FILL[method]!.fill(alice);
    // Everything settles first: a task finishing or a reply arriving moves a thread or a task
    // while its list is paged, which a cursor (a position, not a snapshot) rightly follows.
    await until(
      async () => {
        const { tasks } = await alice.request("tasks.list", { limit: 50 });
        return (
          tasks.length >= ITEMS && tasks.every((t) => ["done", "stopped", "failed", "cancelled"].includes(t.status))
        );
      },
      "every task finished",
      60_000,
    );
    await until(
      async () => {
        const { entries } = await alice.request("billing.entries", {
          kind: "usage",
          limit: 500,
        });
        return entries.filter((e) => e.purpose === "reply").length >= ITEMS;
      },
      "every reply's receipt",
      60_000,
    );

    const current: Lists = async (method, params) => {
      const result = (await alice.request(method as "threads.list", params)) as unknown as Record<string, unknown>;
      return {
        items: result[FILL[method]!.key] as { id: string }[],
        next: result.next as PageCursor | null,
      };
    };
    for (const method of methods) {
      const whole = await current(method, { limit: 100 });
      expect(whole.next, `${method}: one large page holds everything`).toBeNull();
      expect(whole.items.length, `${method}: items to page`).toBeGreaterThan(LIMIT * 2);
      const paged = await allPages(current, method);
      expect(paged.pages, `${method}: pages`).toBeGreaterThan(2);
      expect(paged.ids, `${method}: every item once, in order`).toEqual(whole.items.map((i) => i.id));
    }

    // The oldest client the room speaks to pages the receipts as well.
    const previous = (await import(/* @vite-ignore */ PREVIOUS_CLIENT)) as {
      AutopilotClient: new (
        options: Record<string, unknown>,
      ) => {
        ready(): Promise<unknown>;
        close(): void;
        request(method: string, params: unknown): Promise<{ entries: { id: string }[]; next: PageCursor | null }>;
        readonly hello: { protocol: number } | null;
      };
    };
    const receipts = await alice.request("billing.entries", { limit: 500 });
    const old = new previous.AutopilotClient({
      url: server.url,
      workspace,
      device: "pinned",
      ticket: async () =>
        (
          await httpJson<{ ticket: string }>(server.url, "/api/connect-ticket", {
            method: "POST",
            cookie,
            body: JSON.stringify({ workspaceId: workspace }),
          })
        ).body.ticket,
    });
    try {
      await old.ready();
      expect(old.hello?.protocol).toBe(OLDEST_PROTOCOL_VERSION);
      const paged = await allPages(async (_m, params) => {
        const { entries, next } = await old.request("billing.entries", params);
        return { items: entries, next };
      }, "billing.entries");
      expect(paged.ids).toEqual(receipts.entries.map((e) => e.id));
    } finally {
      old.close();
    }
  }, 240_000);
});
