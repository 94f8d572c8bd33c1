import { APPROVAL_RESULTS, type Cut } from "./cut";

/**
 * Protocol 19 → 18. Added in 19: what the sixth round of fixes needed on the wire (each
 * change below names itself). A client of 18 gets every frame it knows in its own shapes.
 *
 * - The approval policy's `linkDecisionsUpTo` (the highest risk a decision link decides on its
 *   own): left out of the settings wherever they travel (the hello's snapshot, `settings.changed`,
 *   `settings.update`'s result). A client of 19 on a server of 18 reads it absent, the default.
 * - `tasks.estimate`'s `typical` (what a task usually costs here, beside its worst case).
 * - The hello's `capabilities` (what the room offers a client that asks, capabilities.ts) and
 *   `deprecated` (the version leaves the window soon, version.ts).
 * - An instance's `channels` (which of its chat channels are set up, and whether each is
 *   connected): left out of every instance (the hello's snapshot, `instance.updated`, the
 *   instance methods' results); likewise its `sleep` (asleep, waking, or what keeps it awake).
 * - An approval's `reach` (whom it was sent to, whom it waits for, the outcome in words), the
 *   policy's reminder ladder (`reminders`) and a person's `quietHours`: left out of every
 *   approval, the settings and the inbox's preferences. A client of 18 shows none of them.
 */
type Obj = Record<string, unknown>;

/** Workspace settings without what 18 lacks. */
function settingsFor18(settings: Obj): Obj {
  const { linkDecisionsUpTo: _limit, reminders: _ladder, ...approvals } = settings.approvals as Obj;
  return { ...settings, approvals };
}

/** An approval without its reach (approvals.ts ApprovalReach), which 18 lacks. */
const approvalFor18 = ({ reach: _reach, ...approval }: Obj): Obj => approval;
/** A payload that carries an `approval` or `approvals`, in 18's shapes. */
function withApprovalsFor18(payload: Obj): Obj {
  let out = payload;
  if (payload.approval && typeof payload.approval === "object") {
    out = { ...out, approval: approvalFor18(payload.approval as Obj) };
  }
  if (Array.isArray(payload.approvals)) {
    out = { ...out, approvals: (payload.approvals as Obj[]).map(approvalFor18) };
  }
  return out;
}
/** Inbox preferences without quiet hours (inbox.ts QuietHours), which 18 lacks. */
const preferencesFor18 = ({ quietHours: _quiet, ...preferences }: Obj): Obj => preferences;
const withPreferencesFor18 = (payload: Obj): Obj =>
  payload.preferences ? { ...payload, preferences: preferencesFor18(payload.preferences as Obj) } : payload;
const withInboxFor18 = (payload: Obj): Obj =>
  payload.inbox ? { ...payload, inbox: withPreferencesFor18(payload.inbox as Obj) } : payload;

/** A payload that carries `settings`, in 18's shapes. */
const withSettingsFor18 = (payload: Obj): Obj =>
  payload.settings ? { ...payload, settings: settingsFor18(payload.settings as Obj) } : payload;

/**
 * The hello of 18: without the capabilities offered and the deprecation notice, which clients
 * from 19 on read (an 18 client has nothing to ask for and no way to show a notice).
 */
function helloFor18({ capabilities: _offered, deprecated: _notice, ...hello }: Obj): Obj {
  const snapshot = hello.snapshot as Obj | null;
  return {
    ...hello,
    snapshot: snapshot ? withApprovalsFor18(withInstancesFor18(withSettingsFor18(snapshot))) : snapshot,
    protocol: 18,
  };
}

/** Chats: who is answered in a bound chat (`chats.bindingAccess`, a binding's `guests`), left out for 18. */
const chatsFor18 = (payload: Obj): Obj => {
  const chats = payload.chats as { bindings?: Obj[] } | undefined;
  if (!chats?.bindings) return payload;
  return { ...payload, chats: { ...chats, bindings: chats.bindings.map(({ guests: _, ...binding }) => binding) } };
};
/** An instance without its channels and its sleep (instances.ts Instance.channels, Instance.sleep), which 18 lacks. */
const instanceFor18 = ({ channels: _channels, sleep: _sleep, ...instance }: Obj): Obj => instance;
const withInstanceFor18 = (payload: Obj): Obj =>
  payload.instance ? { ...payload, instance: instanceFor18(payload.instance as Obj) } : payload;
const withInstancesFor18 = (payload: Obj): Obj =>
  Array.isArray(payload.instances)
    ? { ...payload, instances: (payload.instances as Obj[]).map(instanceFor18) }
    : payload;

const CHATS_RESULTS = ["chats.get", "chats.connect", "chats.disconnect", "chats.unlink", "chats.unbind"] as const;

export const cut19: Cut = {
  from: 19,
  // New in 19, unknown to 18: the guide, renaming, the skills (capability `instances.skills`, skills.ts), the tools (capability
  // `instances.tools`, instance-tools.ts) and
  // WhatsApp by QR (channels.ts).
  methods: [
    "chats.bindingAccess",
    "instances.guide",
    "instances.update",
    "instances.models",
    "instances.skills",
    "instances.uploadSkill",
    "instances.configureSkill",
    "instances.searchSkills",
    "instances.installSkill",
    "instances.tools",
    "instances.invokeTool",
    "instances.proposeConfig",
    "instances.linkWhatsApp",
    "instances.whatsAppLogin",
    "instances.cancelWhatsAppLogin",
    // The approvals' figures (approvals.ts ApprovalFigures).
    "approvals.figures",
    // Decision 80: how the runs' traces are exported, and the workspace's own collector.
    "traces.get",
    "traces.configure",
    // Decision 78: each hosted instance's awake and asleep hours this month.
    "billing.instanceHours",
    // Decision 83: the runs over time.
    "runs.stats",
  ],
  events: {
    hello: helloFor18,
    "settings.changed": withSettingsFor18,
    "chats.changed": chatsFor18,
    "instance.updated": withInstanceFor18,
    "approval.requested": withApprovalsFor18,
    "approval.resolved": withApprovalsFor18,
    "approval.updated": withApprovalsFor18,
    "inbox.updated": withInboxFor18,
  },
  results: {
    "settings.update": withSettingsFor18,
    // A task's typical cost beside its worst case (tasks.ts TasksEstimateResult.typical).
    "tasks.estimate": ({ typical: _typical, ...result }: Obj) => result,
    ...Object.fromEntries(CHATS_RESULTS.map((method) => [method, chatsFor18])),
    // An instance's channels (instances.ts Instance.channels).
    "instances.attach": withInstanceFor18,
    "instances.detach": withInstanceFor18,
    "instances.list": withInstancesFor18,
    ...Object.fromEntries(APPROVAL_RESULTS.map((method) => [method, withApprovalsFor18])),
    "inbox.get": withInboxFor18,
    "inbox.configure": withPreferencesFor18,
  },
  up: {
    events: { hello: (hello: Obj) => ({ ...hello, protocol: 19 }) },
    results: {},
  },
};
