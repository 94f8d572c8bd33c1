// The issue's realistic workspace, built through the product only: people sign up and are
// added over the app's HTTP API (better-auth), an agent's key writes through the client
// library, the Autopilot makes its tool calls against the scripted model, and notes and
// groups reach the Hatchery document through graph.apply, as an agent's would. The
// canvas is whatever the server then makes of it.
import WebSocket from "ws";
import type * as Y from "yjs";
import { YSyncClient } from "../../party/dev/ysync.mjs";
import { AutopilotClient } from "../src/client";
import { addSecondPerson, httpJson, personClient, signUpVerified, until } from "./e2e-helpers";

export interface SeedSize {
  threads: number;
  /** Autopilot tool calls, made in runs of at most five per thread (they fold into the thread's activity on the canvas). */
  toolCalls: number;
  approvals: number;
  jobs: number;
  notes: number;
  groups: number;
}

export const ISSUE_WORKSPACE: SeedSize = { threads: 25, toolCalls: 10, approvals: 8, jobs: 7, notes: 8, groups: 2 };
export const HUNDRED_THREADS: SeedSize = { ...ISSUE_WORKSPACE, threads: 100 };

export interface SeededWorkspace {
  workspace: string;
  owner: { email: string; cookie: string };
  /** The second person, a member (decides what the owner's runs ask for). */
  second: { email: string; cookie: string };
  threadIds: string[];
  agent: AutopilotClient;
  /** Node id → the group it belongs to, as the document says (overlaps of a group with its members are allowed). */
  groupOf: () => Map<string, string>;
  /** The Hatchery document as the server has it, kept in sync. */
  hatchery: YSyncClient;
  close(): void;
}

const TITLES = [
  "Q3 onboarding checklist",
  "Release 2.4",
  "Why does the staging deploy time out after the database migration step?",
  "Customer escalation: Acme Corp invoice mismatch",
  "Design review",
  "Rotate the API keys before Friday",
  "Index rebuild plan for the search cluster",
  "Cancel request from the Berlin office",
  "Weekly sync notes",
  "Draft the pricing page copy for the new team plan (with annual discount)",
  "Flaky e2e test in checkout",
  "Hiring: senior backend engineer",
  "Incident 4412 postmortem",
  "Move the marketing site to the new CDN",
  "Ideas",
  "Mobile app crash on Android 14 when the camera permission is denied",
  "Quarterly OKRs",
  "Vendor contract renewal",
  "Support backlog triage",
  "Refactor the billing webhooks so retries are idempotent",
  "Localization: German and French",
  "Data export for the audit",
  "Bug bash",
  "Plan the offsite in Lisbon",
  "Upgrade Postgres 14 → 16",
];

const APPROVALS = [
  ["Deploy release 2.4 to production", "high"],
  ["Delete the stale feature branches", "low"],
  ["Send the renewal offer to Acme Corp", "medium"],
  ["Grant the contractor read access to the billing repo", "high"],
  ["Run the database migration on staging", "medium"],
  ["Publish the postmortem for incident 4412", "low"],
  ["Rotate the production API keys now", "high"],
  ["Email the Berlin office about the cancellation", "medium"],
] as const;

const JOBS = [
  "Rebuild the search index",
  "Export audit data",
  "Run the nightly e2e suite",
  "Translate the onboarding emails",
  "Crawl the docs for dead links",
  "Back up the staging database",
  "Generate the Q3 report",
];

const NOTES = [
  "Remember: freeze on Thursday",
  "Ask Bob about the Acme contract before replying",
  "Staging is slow since Monday — check the migration",
  "Offsite budget: 12k",
  "Next release owner: Alice",
  "Keys rotate every 90 days",
  "Design tokens are in Figma",
  "Don't merge on Fridays",
];

/** Realistic titles of varied length; beyond the list they repeat with a number, as a busy workspace's do. */
export const threadTitle = (i: number) =>
  i < TITLES.length ? TITLES[i]! : `${TITLES[i % TITLES.length]} (${Math.floor(i / TITLES.length) + 1})`;

const AUTO_TOOLS = ["threads_list {}", "memory_list {}", "jobs_list {}", "approvals_list {}", "instances_list {}"];

/** The Hatchery document as a person's tab receives it. */
export async function openHatchery(url: string, workspace: string, cookie: string): Promise<YSyncClient> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/parties/hatchery/${workspace}`, {
    headers: { cookie, origin: url },
    perMessageDeflate: false,
  });
  const client = new YSyncClient(ws as unknown as globalThis.WebSocket);
  await client.whenSynced();
  return client;
}

/** Node ids of the document by kind and ref (the server's domain nodes), and every node's group. */
export function readDoc(doc: Y.Doc) {
  const nodes = doc.getMap<Y.Map<unknown>>("nodes");
  const byRef = new Map<string, string>();
  const groupOf = new Map<string, string>();
  nodes.forEach((m, id) => {
    if (m.get("ref")) byRef.set(`${m.get("kind")}:${m.get("ref")}`, id);
    const parent = m.get("parent");
    if (typeof parent === "string") groupOf.set(id, parent);
  });
  return { nodes, byRef, groupOf };
}

/** A thread's node in the document, once the server has placed it. */
export const threadNodeId = (doc: Y.Doc, threadId: string) => readDoc(doc).byRef.get(`thread:${threadId}`);

/**
 * Seeds a workspace of `size` on the server at `url`, whose Autopilot talks to the
 * scripted model (agentScript). Returns once the Hatchery document holds everything.
 */
export async function seedWorkspace(url: string, size: SeedSize, label: string): Promise<SeededWorkspace> {
  const alice = await signUpVerified(url, `Alice${label}`);
  const workspace = (await httpJson<{ workspaces: { id: string }[] }>(url, "/api/me", { cookie: alice.cookie })).body
    .workspaces[0]!.id;
  const bob = await addSecondPerson(url, alice.cookie, workspace, `Bob${label}`);
  const key = await httpJson<{ key: string }>(url, `/api/workspaces/${workspace}/keys`, {
    method: "POST",
    cookie: alice.cookie,
    body: JSON.stringify({ name: "Release bot" }),
  });
  if (key.status !== 201 && key.status !== 200) throw new Error(`seeding: the agent key was refused: ${key.status}`);
  const a = personClient(url, alice.cookie, workspace, "alice-laptop");
  const b = personClient(url, bob.cookie, workspace, "bob-laptop");
  const agent = new AutopilotClient({ url, workspace, device: "release-bot", apiKey: key.body.key });
  const clients = [a, b, agent];
  await Promise.all(clients.map((c) => c.ready()));

  // Threads: the people start most, the agent some; the agent posts in some (agents'
  // messages do not start the Autopilot), so cards carry previews.
  const authors = [a, b, a, agent, b];
  const threadIds: string[] = [];
  for (let i = 0; i < size.threads; i++) {
    const { thread } = await authors[i % authors.length]!.threads.create({ title: threadTitle(i) });
    threadIds.push(thread.id);
    if (i % 3 === 0)
      await agent.chat.send({
        threadId: thread.id,
        text: `Status: looked at “${threadTitle(i)}”; next step is on the board.`,
      });
  }

  // The Autopilot's tool calls: a person asks in a thread, the scripted model calls auto
  // tools (in an agent's thread the Autopilot answers a mention only).
  const toolThreads: string[] = [];
  for (let left = size.toolCalls, t = 0; left > 0; t++) {
    const steps = AUTO_TOOLS.slice(0, Math.min(5, left));
    left -= steps.length;
    const threadId = threadIds[(t * 7 + 1) % threadIds.length]!;
    toolThreads.push(threadId);
    await a.chat.send({
      threadId,
      text: `@autopilot can you check the workspace state first? STEPS: ${steps.join(" ; ")}`,
    });
  }
  await until(
    async () => {
      for (const threadId of toolThreads) {
        const { messages } = await a.messages.list({ threadId });
        if (!messages.some((m) => m.text.startsWith("TOOL RESULT SEEN"))) return false;
      }
      return true;
    },
    "the Autopilot's tool calls to finish",
    120_000,
  );

  // Approvals the agent asks for; half are decided by the people.
  for (let i = 0; i < size.approvals; i++) {
    const [title, risk] = APPROVALS[i % APPROVALS.length]!;
    const { approval } = await agent.approvals.request({
      title,
      risk,
      details: "Requested by the release bot.",
      threadId: threadIds[(i * 3 + 2) % threadIds.length]!,
    });
    if (i % 2 === 1)
      await (i % 4 === 1 ? a : b).approvals.resolve({
        approvalId: approval.id,
        decision: i % 4 === 1 ? "approve" : "deny",
      });
  }

  // Jobs: running, finished and failed.
  for (let i = 0; i < size.jobs; i++) {
    const { job } = await agent.jobs.start({
      title: JOBS[i % JOBS.length]!,
      threadId: threadIds[(i * 5 + 4) % threadIds.length]!,
      message: "started",
    });
    const fate = i % 3;
    if (fate === 0) await agent.jobs.update({ jobId: job.id, progress: 40 + i * 5, message: "halfway" });
    else if (fate === 1) await agent.jobs.finish({ jobId: job.id, message: "done" });
    else await agent.jobs.fail({ jobId: job.id, error: "the upstream service answered 503" });
  }

  // The Hatchery applies the Autopilot's events in order: once this last rename shows, all of the above has.
  const marker = threadIds[0]!;
  const markerTitle = `${threadTitle(0)} (updated)`;
  await a.threads.rename({ threadId: marker, title: markerTitle });
  const hatchery = await openHatchery(url, workspace, alice.cookie);
  await until(
    () => {
      const id = threadNodeId(hatchery.doc, marker);
      return (
        id &&
        (readDoc(hatchery.doc).nodes.get(id)?.get("data") as { title?: string } | undefined)?.title === markerTitle
      );
    },
    "the Hatchery to apply the seeded events",
    60_000,
  );

  // Notes near threads and groups of threads, as an agent writes them.
  const nodeOf = (threadId: string) => threadNodeId(hatchery.doc, threadId)!;
  const notes = Array.from({ length: size.notes }, (_, i) => ({
    op: "note.add" as const,
    text: NOTES[i % NOTES.length]!,
    near: nodeOf(threadIds[(i * 4 + 3) % threadIds.length]!),
  }));
  await agent.graph.apply({ commands: notes });
  const per = 3;
  for (let g = 0; g < size.groups; g++) {
    const members = threadIds.slice(5 + g * (per + 2), 5 + g * (per + 2) + per).map(nodeOf);
    await agent.graph.apply({
      commands: [{ op: "group.add", label: g === 0 ? "Release 2.4" : "Customer escalations", nodeIds: members }],
    });
  }
  await until(
    () => [...readDoc(hatchery.doc).nodes.values()].filter((m) => m.get("kind") === "group").length >= size.groups,
    "the groups in the document",
    20_000,
  );

  a.close();
  b.close();
  return {
    workspace,
    owner: { email: alice.email, cookie: alice.cookie },
    second: { email: bob.email, cookie: bob.cookie },
    threadIds,
    agent,
    hatchery,
    groupOf: () => readDoc(hatchery.doc).groupOf,
    close() {
      agent.close();
      hatchery.close();
    },
  };
}
