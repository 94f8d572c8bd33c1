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

/** Runs as soon as the model calls it. */
const auto = (description: string): ToolPolicy => ({ kind: "auto", description });
/** Waits for a person's approval, which its description tells the model. */
const gated = (risk: Risk, description: string): ToolPolicy => ({
  kind: "gated",
  risk,
  description: `${description} Needs a person's approval.`,
});
/** Asks for the approval itself (`request`: what it asks for), and answers with it. */
const asksFirst = (request: string): ToolPolicy => ({
  kind: "approval-method",
  description: `${request}; answers with the approval a person must decide first.`,
});
const never = (why: string): ToolPolicy => ({ kind: "never", why });

// Why whole families of methods are never the model's.
const PERSONAL_INBOX = never("an inbox is a person's own; the Autopilot has none");
const STEERING_TASKS = never("pausing, resuming and cancelling tasks is for the people who steer them");
const OWN_PINS = never("pins are the reader's own: the Autopilot arranges nobody's list");
const PEOPLES_CHATS = never("the workspace's chats are connected and linked by people, not by the Autopilot");

export const TOOL_POLICY: Record<MethodName, ToolPolicy> = {
  "threads.list": auto("List the workspace's chat threads."),
  "threads.create": auto("Create a new chat thread with a title."),
  "threads.rename": auto("Rename a chat thread."),
  "threads.configure": never("who answers a thread is the people's choice, not the Autopilot's"),
  "threads.archive": gated("medium", "Archive a chat thread (it disappears from the thread list)."),
  "messages.list": auto("Read a thread's messages, newest last; page back with `before`."),
  "chat.send": auto("Post a message in another thread (your reply in this thread is your answer text, not this tool)."),
  "chat.abort": never("stops a reply in progress: a person's control, and it could stop this very run"),
  "chat.goAhead": never(
    "going ahead without an approval is a choice for the people and agents waiting on it, not for a model that could skip approvals that way",
  ),
  "sessions.list": auto("List the sessions of an OpenClaw instance."),
  "sessions.open": gated("medium", "Open a thread on an OpenClaw instance's session."),
  "sessions.history": auto("Read the history of an OpenClaw instance's session."),
  "sessions.send": gated("medium", "Send a message to another agent's session on an OpenClaw instance."),
  "approvals.request": auto("Ask the people of this workspace to approve or deny something."),
  "approvals.resolve": never("deciding approvals needs the approve scope, which the Autopilot never holds"),
  "approvals.list": auto("List approvals, pending or decided."),
  "approvals.get": auto("Read one approval."),
  "approvals.figures": never("the figures are for owners and admins, whose scope the Autopilot never holds"),
  "audit.list": auto("Read the workspace's audit log."),
  "jobs.start": auto("Start a job: a visible unit of work with progress."),
  "jobs.update": auto("Report a job's progress."),
  "jobs.finish": auto("Mark a job finished with its result."),
  "jobs.fail": auto("Mark a job failed with the reason."),
  "jobs.cancel": gated("medium", "Cancel a job (possibly someone else's)."),
  "jobs.list": auto("List jobs."),
  "instances.provision": {
    kind: "approval-method",
    description:
      "Request a new OpenClaw instance; answers with the approval a person must decide before it is created.",
  },
  "instances.restart": asksFirst("Request an instance restart"),
  "instances.backup": asksFirst("Request an instance backup"),
  "instances.delete": asksFirst("Request an instance's deletion"),
  "instances.restore": asksFirst(
    "Request that an instance be restored from one of its backups (an id from instances.details)",
  ),
  "instances.unpair": asksFirst(
    "Request that a paired device be removed from an instance's gateway (a deviceId from instances.details)",
  ),
  "settings.update": never("the workspace's approval policy is its owners' choice, never the Autopilot's"),
  "instances.startChat": never(
    "starting a chat with a new OpenClaw instance is a person's move in the app; the Autopilot can ask for instances.provision",
  ),
  "instances.link": never("a gateway's token must not pass through a model; people link gateways"),
  "instances.deviceSetup": never(
    "a setup code pairs a node with the gateway: a person hands it to the node's machine, never a model",
  ),
  "instances.invokeNode": {
    kind: "gated",
    risk: "high",
    description:
      'Run a command on a node paired with an OpenClaw instance (a nodeId and its commands from instances.details), e.g. system.run with params {command: ["uname", "-a"]}. Needs a person\'s approval, as every command a gateway runs.',
  },
  "instances.channels": auto(
    "An instance's chat channels (Telegram and others): whether each is configured and connected, and who may DM it.",
  ),
  "instances.configureChannel": never("a bot token must not pass through a model; people connect channels in the app"),
  "instances.disconnectChannel": asksFirst(
    "Request that an instance's channel (e.g. telegram) be logged out: its bot token removed",
  ),
  "instances.setChannelAccess": asksFirst(
    'Request who may DM an instance on a channel: dmPolicy pairing | allowlist | open (allowFrom must hold "*") | disabled, and the allowFrom sender ids',
  ),
  "instances.skills": auto(
    "An instance's skills: each one's key, whether it is enabled and eligible, and what it still needs, in words.",
  ),
  "instances.uploadSkill": asksFirst(
    "Propose a skill for a need you hear in a thread: request that a private skill be installed on an instance, with a slug and the folder's files (a SKILL.md at its root: its name and description in front matter, then the instructions its agent follows); people read the SKILL.md in the approval and decide",
  ),
  "instances.removeSkill": asksFirst(
    "Request that a skill installed in a managed instance's agent workspace be removed (its slug, as instances.skills lists it with source openclaw-workspace)",
  ),
  "instances.searchSkills": auto(
    "Search ClawHub, the public skills registry, through an instance's gateway (needs the gateway's internet access): each result's ref, name and summary.",
  ),
  "instances.installSkill": asksFirst(
    "Request that a skill from ClawHub be installed on an instance (its ref from instances.searchSkills)",
  ),
  "instances.configureSkill": asksFirst(
    "Request that an instance's skill be enabled or disabled (enabled: true | false); its API key and env values are set by people in the app",
  ),
  "instances.tools": auto(
    "An instance's own tools (its OpenClaw agent's): each one's name, what it does, and whether running it needs a person's approval.",
  ),
  "instances.invokeTool": {
    kind: "approval-method",
    description:
      "Run one of an instance's own tools (a name from instances.tools) with its arguments as a JSON object; answers with its output as text, or, for a tool that needs a person's approval, with the approval it filed (the tool runs once it is approved; its output is then the job's result).",
  },
  "instances.proposeConfig": asksFirst(
    'Propose a change of an instance\'s gateway config that a person asked for (e.g. who may message it on a channel): a summary in words and the patch, a partial config of only channels and bindings, e.g. {channels: {whatsapp: {dmPolicy: "allowlist", allowFrom: ["+15551234567"]}}}; never a token or key',
  ),
  "instances.linkWhatsApp": never("a person links WhatsApp by scanning its QR code with their phone, in the app"),
  "instances.whatsAppLogin": never("a WhatsApp QR code is for the person who scans it, in the app"),
  "instances.cancelWhatsAppLogin": never("a person stops a WhatsApp link by closing its QR code, in the app"),
  "instances.details": auto("An instance's OpenClaw version, model, uptime, backups and paired devices."),
  "instances.attach": gated("medium", "Attach an OpenClaw instance to a thread, so it answers there."),
  "instances.detach": gated("medium", "Detach an OpenClaw instance from a thread."),
  "instances.guide": auto(
    'How to have an OpenClaw gateway in this workspace: managed (this service runs it) or your own (the person runs it and links it), step by step with the commands. Answer "how do I ..." about either from it; path "managed" or "own" for one.',
  ),
  "instances.update": auto(
    "Rename an OpenClaw instance (the name people see; its id stays), or set a hosted instance's model (one instances.models offers).",
  ),
  "instances.models": auto("An OpenClaw instance's model, and the models it may be given."),
  "instances.list": auto("List the workspace's OpenClaw instances and their state."),
  "graph.apply": auto("Add, move or link nodes on the workspace's canvas."),
  "presence.list": auto("See who is online in the workspace."),
  "presence.update": never("presence belongs to a connection; the Autopilot has none"),
  "threads.view": never("what a socket views belongs to a connection; the Autopilot has none"),
  "memory.list": auto("List the workspace memory: notes people and you keep across threads."),
  "memory.put": auto("Remember something for later (a short note under a key); replaces the key's note."),
  "memory.delete": auto("Forget a memory note by its key."),
  "usage.list": never("what the model costs is for people to read"),
  "inbox.get": PERSONAL_INBOX,
  "inbox.markRead": PERSONAL_INBOX,
  "inbox.follow": PERSONAL_INBOX,
  "inbox.configure": PERSONAL_INBOX,
  "inbox.pushSubscribe": PERSONAL_INBOX,
  "inbox.pushUnsubscribe": PERSONAL_INBOX,
  "projects.list": auto("List the workspace's projects (threads, instances, files, brief, links)."),
  "projects.get": auto("Read one project: its brief, links, threads, instances and files."),
  "projects.update": auto(
    "Change a project: its name, brief (Markdown; the context you read in its threads) or links, or add and remove its threads, instances and files by id. A thread added leaves the project it was in. Pass ifUpdatedAt (the project's updatedAt as you read it) so you never overwrite someone's newer brief.",
  ),
  "projects.create": gated("medium", "Create a project with a name, a brief and links, and the threads it holds."),
  "projects.archive": gated("medium", "Archive a project (its brief stops being read; its threads stay)."),
  "schedules.list": auto(
    "List the workspace's schedules: what each posts or starts, when it runs next, and how its last run went.",
  ),
  "schedules.create": gated(
    "medium",
    'Schedule a prompt posted to a thread (action {kind: "prompt", threadId, text}) or a task ({kind: "task", goal}) once at a time ({kind: "once", at: epoch ms}), every interval ({kind: "every", everyMs}) or by cron ({kind: "cron", expression, timeZone}). It runs as the person you act for, with nobody connected.',
  ),
  "schedules.pause": gated("low", "Pause a schedule: it does not run until resumed."),
  "schedules.resume": gated("medium", "Resume a paused schedule from now on."),
  "schedules.delete": gated("medium", "Delete a schedule."),
  "schedules.update": gated(
    "medium",
    "Change a schedule's name, its times (when, as for schedules.create) or the words it posts (text: a prompt's text or a task's goal).",
  ),
  "schedules.run": gated("medium", "Run a schedule once now, as its creator; its times stay as they are."),
  "schedules.hook": gated(
    "high",
    "Give a schedule a webhook URL (enabled: true; a new URL each time, the old one stops working) or take it away (enabled: false). Anyone with the URL can start the schedule.",
  ),
  "schedules.runs": auto(
    "A schedule's last runs, newest first: when, what started each, what it posted or started, or why it failed.",
  ),
  "search.query": auto(
    "Search the workspace's messages and thread titles by words (plain words, matched by their start; newest first). Page back with `before` = the result's `next`.",
  ),
  "tasks.start": gated(
    "medium",
    "Start a task: a goal you then pursue on your own, step by step, in its own thread (it runs after this reply ends).",
  ),
  "tasks.estimate": auto(
    "What a task with a budget (steps, tokens, minutes; the workspace's defaults where absent) may cost at most in credits, before starting it.",
  ),
  "tasks.list": auto("List the workspace's tasks (goals being worked on), most recently updated first."),
  "tasks.get": auto("Read one task: its goal, status, budget and what it used."),
  "tasks.pause": STEERING_TASKS,
  "tasks.resume": STEERING_TASKS,
  "tasks.cancel": STEERING_TASKS,
  "agent.toolset": auto(
    "Which tools you have in a thread or a project (yours and each attached OpenClaw instance's), which need a person's approval, and why others are not offered.",
  ),
  "billing.summary": auto(
    "The workspace's credits: balance, this month's spending by what and who, budgets and what is left of them.",
  ),
  "billing.entries": auto("Receipts: the ledger's entries, newest first (per run with runId)."),
  "billing.instanceHours": auto(
    "Each hosted instance's hours this month: awake (billed), asleep (not billed), and the credits sleeping saved.",
  ),
  "billing.setBudget": never("budgets are for people to set; agents ask with spend approvals"),
  "billing.setAlerts": never("money alerts are for people to set"),
  "billing.setAllowance": never("a spending allowance is a person's grant to a key"),
  "community.feed": auto(
    "Read a community's feed over Nostr: the workspace's (its members) or the public one; each post says who wrote it (a person, or an agent and its owner).",
  ),
  "community.post": gated(
    "medium",
    "Post in a community (the workspace's or the public one), signed with your own Nostr key and shown as an agent of this workspace.",
  ),
  "community.react": gated(
    "low",
    'React to a post in a community ("+" is the upvote), signed with your own Nostr key.',
  ),
  "community.report": gated("low", "Report a post to the community's moderators (spam, impersonation, ...)."),
  "community.moderate": never("hiding posts and banning keys is for the workspace's owners and admins"),
  "community.queue": never("the moderation queue is for the owners and admins who act on it"),
  "community.identity": auto(
    "Your Nostr pubkeys here (your custodial one, your own registered ones), the workspace's key and the relays' paths.",
  ),
  "threads.markRead": never("read state is the reader's own: the Autopilot reads nothing on a person's behalf"),
  "threads.pins": OWN_PINS,
  "threads.pin": OWN_PINS,
  "chats.get": PEOPLES_CHATS,
  "chats.connect": PEOPLES_CHATS,
  "chats.disconnect": PEOPLES_CHATS,
  "chats.linkCode": PEOPLES_CHATS,
  "chats.unlink": PEOPLES_CHATS,
  "chats.bindCode": PEOPLES_CHATS,
  "chats.unbind": PEOPLES_CHATS,
  "chats.bindingAccess": PEOPLES_CHATS,
  "traces.get": never("where the runs' traces go is for the workspace's owners and admins to see"),
  "traces.configure": never(
    "where the runs' traces go, and what they carry, is the owners' choice, never the Autopilot's",
  ),
  "runs.stats": never(
    "the runs' figures, who started them and what they cost are for the workspace's owners and admins",
  ),
  "runlog.list": auto("Read a run's or task's log, step by step (model calls, tool calls, approvals)."),
};
