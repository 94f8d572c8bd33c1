// Which registry methods the Autopilot's model may call, and how: part of the protocol, as
// the registry is (an agent over MCP gets these tools, with these descriptions, and the
// same approvals). The table is keyed by every MethodName, so adding a method to
// methods.ts fails the type check here until someone decides whether the agent may use
// it. It is its own table rather than a field of each method's spec: the client library
// imports the registry, and these words are for models.
import type { z } from "zod";
import type { Risk as RiskSchema } from "./approvals";
import type { MethodName } from "./methods";

export type Risk = z.infer<typeof RiskSchema>;

export type ToolPolicy =
  /** Runs as soon as the model calls it. */
  | { kind: "auto"; description: string }
  /** The SDK pauses the run; a person approves the call before it runs. */
  | { kind: "gated"; risk: Risk; description: string }
  /**
   * Runs at once, because the method itself only files an approval a person must decide
   * (the tool result says which approval is pending) — gating it too would ask twice.
   */
  | { kind: "approval-method"; description: string }
  /** Never offered to the model. */
  | { kind: "never"; why: string };

export const TOOL_POLICY: Record<MethodName, ToolPolicy> = {
  "threads.list": { kind: "auto", description: "List the workspace's chat threads." },
  "threads.create": { kind: "auto", description: "Create a new chat thread with a title." },
  "threads.rename": { kind: "auto", description: "Rename a chat thread." },
  "threads.configure": { kind: "never", why: "who answers a thread is the people's choice, not the Autopilot's" },
  "threads.archive": {
    kind: "gated",
    risk: "medium",
    description: "Archive a chat thread (it disappears from the thread list). Needs a person's approval.",
  },
  "messages.list": { kind: "auto", description: "Read a thread's messages, newest last; page back with `before`." },
  "chat.send": {
    kind: "auto",
    description: "Post a message in another thread (your reply in this thread is your answer text, not this tool).",
  },
  "chat.abort": {
    kind: "never",
    why: "stops a reply in progress: a person's control, and it could stop this very run",
  },
  "chat.goAhead": {
    kind: "never",
    why: "going ahead without an approval is a choice for the people and agents waiting on it, not for a model that could skip approvals that way",
  },
  "sessions.list": { kind: "auto", description: "List the sessions of an OpenClaw instance." },
  "sessions.open": {
    kind: "gated",
    risk: "medium",
    description: "Open a thread on an OpenClaw instance's session. Needs a person's approval.",
  },
  "sessions.history": { kind: "auto", description: "Read the history of an OpenClaw instance's session." },
  "sessions.send": {
    kind: "gated",
    risk: "medium",
    description: "Send a message to another agent's session on an OpenClaw instance. Needs a person's approval.",
  },
  "approvals.request": { kind: "auto", description: "Ask the people of this workspace to approve or deny something." },
  "approvals.resolve": {
    kind: "never",
    why: "deciding approvals needs the approve scope, which the Autopilot never holds",
  },
  "approvals.list": { kind: "auto", description: "List approvals, pending or decided." },
  "approvals.get": { kind: "auto", description: "Read one approval." },
  "audit.list": { kind: "auto", description: "Read the workspace's audit log." },
  "jobs.start": { kind: "auto", description: "Start a job: a visible unit of work with progress." },
  "jobs.update": { kind: "auto", description: "Report a job's progress." },
  "jobs.finish": { kind: "auto", description: "Mark a job finished with its result." },
  "jobs.fail": { kind: "auto", description: "Mark a job failed with the reason." },
  "jobs.cancel": {
    kind: "gated",
    risk: "medium",
    description: "Cancel a job (possibly someone else's). Needs a person's approval.",
  },
  "jobs.list": { kind: "auto", description: "List jobs." },
  "instances.provision": {
    kind: "approval-method",
    description:
      "Request a new OpenClaw instance; answers with the approval a person must decide before it is created.",
  },
  "instances.restart": {
    kind: "approval-method",
    description: "Request an instance restart; answers with the approval a person must decide first.",
  },
  "instances.backup": {
    kind: "approval-method",
    description: "Request an instance backup; answers with the approval a person must decide first.",
  },
  "instances.delete": {
    kind: "approval-method",
    description: "Request an instance's deletion; answers with the approval a person must decide first.",
  },
  "instances.restore": {
    kind: "approval-method",
    description:
      "Request that an instance be restored from one of its backups (an id from instances.details); answers with the approval a person must decide first.",
  },
  "instances.unpair": {
    kind: "approval-method",
    description:
      "Request that a paired device be removed from an instance's gateway (a deviceId from instances.details); answers with the approval a person must decide first.",
  },
  "settings.update": {
    kind: "never",
    why: "the workspace's approval policy is its owners' choice, never the Autopilot's",
  },
  "instances.startChat": {
    kind: "never",
    why: "starting a chat with a new OpenClaw instance is a person's move in the app; the Autopilot can ask for instances.provision",
  },
  "instances.link": { kind: "never", why: "a gateway's token must not pass through a model; people link gateways" },
  "instances.deviceSetup": {
    kind: "never",
    why: "a setup code pairs a node with the gateway: a person hands it to the node's machine, never a model",
  },
  "instances.invokeNode": {
    kind: "gated",
    risk: "high",
    description:
      'Run a command on a node paired with an OpenClaw instance (a nodeId and its commands from instances.details), e.g. system.run with params {command: ["uname", "-a"]}. Needs a person\'s approval, as every command a gateway runs.',
  },
  "instances.channels": {
    kind: "auto",
    description:
      "An instance's chat channels (Telegram, …): whether each is configured and connected, and who may DM it.",
  },
  "instances.configureChannel": {
    kind: "never",
    why: "a bot token must not pass through a model; people connect channels in the app",
  },
  "instances.disconnectChannel": {
    kind: "approval-method",
    description:
      "Request that an instance's channel (e.g. telegram) be logged out: its bot token removed; answers with the approval a person must decide first.",
  },
  "instances.setChannelAccess": {
    kind: "approval-method",
    description:
      'Request who may DM an instance on a channel: dmPolicy pairing | allowlist | open (allowFrom must hold "*") | disabled, and the allowFrom sender ids; answers with the approval a person must decide first.',
  },
  "instances.details": {
    kind: "auto",
    description: "An instance's OpenClaw version, model, uptime, backups and paired devices.",
  },
  "instances.attach": {
    kind: "gated",
    risk: "medium",
    description: "Attach an OpenClaw instance to a thread, so it answers there. Needs a person's approval.",
  },
  "instances.detach": {
    kind: "gated",
    risk: "medium",
    description: "Detach an OpenClaw instance from a thread. Needs a person's approval.",
  },
  "instances.list": { kind: "auto", description: "List the workspace's OpenClaw instances and their state." },
  "graph.apply": { kind: "auto", description: "Add, move or link nodes on the workspace's canvas." },
  "presence.list": { kind: "auto", description: "See who is online in the workspace." },
  "presence.update": { kind: "never", why: "presence belongs to a connection; the Autopilot has none" },
  "memory.list": { kind: "auto", description: "List the workspace memory: notes people and you keep across threads." },
  "memory.put": {
    kind: "auto",
    description: "Remember something for later (a short note under a key); replaces the key's note.",
  },
  "memory.delete": { kind: "auto", description: "Forget a memory note by its key." },
  "usage.list": { kind: "never", why: "what the model costs is for people to read" },
  "inbox.get": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "inbox.markRead": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "inbox.follow": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "inbox.configure": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "inbox.pushSubscribe": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "inbox.pushUnsubscribe": { kind: "never", why: "an inbox is a person's own; the Autopilot has none" },
  "projects.list": {
    kind: "auto",
    description: "List the workspace's projects (threads, instances, files, brief, links).",
  },
  "projects.get": { kind: "auto", description: "Read one project: its brief, links, threads, instances and files." },
  "projects.update": {
    kind: "auto",
    description:
      "Change a project: its name, brief (Markdown; the context you read in its threads) or links, or add and remove its threads, instances and files by id. A thread added leaves the project it was in. Pass ifUpdatedAt (the project's updatedAt as you read it) so you never overwrite someone's newer brief.",
  },
  "projects.create": {
    kind: "gated",
    risk: "medium",
    description:
      "Create a project with a name, a brief and links, and the threads it holds. Needs a person's approval.",
  },
  "projects.archive": {
    kind: "gated",
    risk: "medium",
    description: "Archive a project (its brief stops being read; its threads stay). Needs a person's approval.",
  },
  "schedules.list": {
    kind: "auto",
    description:
      "List the workspace's schedules: what each posts or starts, when it runs next, and how its last run went.",
  },
  "schedules.create": {
    kind: "gated",
    risk: "medium",
    description:
      'Schedule a prompt posted to a thread (action {kind: "prompt", threadId, text}) or a task ({kind: "task", goal}) once at a time ({kind: "once", at: epoch ms}), every interval ({kind: "every", everyMs}) or by cron ({kind: "cron", expression, timeZone}). It runs as the person you act for, with nobody connected. Needs a person\'s approval.',
  },
  "schedules.pause": {
    kind: "gated",
    risk: "low",
    description: "Pause a schedule: it does not run until resumed. Needs a person's approval.",
  },
  "schedules.resume": {
    kind: "gated",
    risk: "medium",
    description: "Resume a paused schedule from now on. Needs a person's approval.",
  },
  "schedules.delete": {
    kind: "gated",
    risk: "medium",
    description: "Delete a schedule. Needs a person's approval.",
  },
  "schedules.update": {
    kind: "gated",
    risk: "medium",
    description:
      "Change a schedule's name, its times (when, as for schedules.create) or the words it posts (text: a prompt's text or a task's goal). Needs a person's approval.",
  },
  "schedules.run": {
    kind: "gated",
    risk: "medium",
    description: "Run a schedule once now, as its creator; its times stay as they are. Needs a person's approval.",
  },
  "schedules.hook": {
    kind: "gated",
    risk: "high",
    description:
      "Give a schedule a webhook URL (enabled: true; a new URL each time, the old one stops working) or take it away (enabled: false). Anyone with the URL can start the schedule. Needs a person's approval.",
  },
  "schedules.runs": {
    kind: "auto",
    description:
      "A schedule's last runs, newest first: when, what started each, what it posted or started, or why it failed.",
  },
  "search.query": {
    kind: "auto",
    description:
      "Search the workspace's messages and thread titles by words (plain words, matched by their start; newest first). Page back with `before` = the result's `next`.",
  },
  "tasks.start": {
    kind: "gated",
    risk: "medium",
    description:
      "Start a task: a goal you then pursue on your own, step by step, in its own thread (it runs after this reply ends). Needs a person's approval.",
  },
  "tasks.list": {
    kind: "auto",
    description: "List the workspace's tasks (goals being worked on), most recently updated first.",
  },
  "tasks.get": { kind: "auto", description: "Read one task: its goal, status, budget and what it used." },
  "tasks.pause": { kind: "never", why: "pausing, resuming and cancelling tasks is for the people who steer them" },
  "tasks.resume": { kind: "never", why: "pausing, resuming and cancelling tasks is for the people who steer them" },
  "tasks.cancel": { kind: "never", why: "pausing, resuming and cancelling tasks is for the people who steer them" },
  "agent.toolset": {
    kind: "auto",
    description:
      "Which tools you have in a thread or a project (yours and each attached OpenClaw instance's), which need a person's approval, and why others are not offered.",
  },
  "billing.summary": {
    kind: "auto",
    description:
      "The workspace's credits: balance, this month's spending by what and who, budgets and what is left of them.",
  },
  "billing.entries": {
    kind: "auto",
    description: "Receipts: the ledger's entries, newest first (per run with runId).",
  },
  "billing.setBudget": { kind: "never", why: "budgets are for people to set; agents ask with spend approvals" },
  "community.feed": {
    kind: "auto",
    description:
      "Read a community's feed over Nostr: the workspace's (its members) or the public one; each post says who wrote it (a person, or an agent and its owner).",
  },
  "community.post": {
    kind: "gated",
    risk: "medium",
    description:
      "Post in a community (the workspace's or the public one), signed with your own Nostr key and shown as an agent of this workspace. Needs a person's approval.",
  },
  "community.react": {
    kind: "gated",
    risk: "low",
    description:
      'React to a post in a community ("+" is the upvote), signed with your own Nostr key. Needs a person\'s approval.',
  },
  "community.report": {
    kind: "gated",
    risk: "low",
    description: "Report a post to the community's moderators (spam, impersonation, ...). Needs a person's approval.",
  },
  "community.moderate": {
    kind: "never",
    why: "hiding posts and banning keys is for the workspace's owners and admins",
  },
  "community.queue": { kind: "never", why: "the moderation queue is for the owners and admins who act on it" },
  "community.identity": {
    kind: "auto",
    description:
      "Your Nostr pubkeys here (your custodial one, your own registered ones), the workspace's key and the relays' paths.",
  },
  "threads.markRead": {
    kind: "never",
    why: "read state is the reader's own: the Autopilot reads nothing on a person's behalf",
  },
  "threads.pins": { kind: "never", why: "pins are the reader's own: the Autopilot arranges nobody's list" },
  "threads.pin": { kind: "never", why: "pins are the reader's own: the Autopilot arranges nobody's list" },
  "runlog.list": {
    kind: "auto",
    description: "Read a run's or task's log, step by step (model calls, tool calls, approvals).",
  },
};
