import type { Cut } from "./cut";

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
 *   instance methods' results).
 */
type Obj = Record<string, unknown>;

/** Workspace settings without what 18 lacks. */
function settingsFor18(settings: Obj): Obj {
  const { linkDecisionsUpTo: _limit, ...approvals } = settings.approvals as Obj;
  return { ...settings, approvals };
}

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
    snapshot: snapshot ? withInstancesFor18(withSettingsFor18(snapshot)) : snapshot,
    protocol: 18,
  };
}

/** Chats: who is answered in a bound chat (`chats.bindingAccess`, a binding's `guests`), left out for 18. */
const chatsFor18 = (payload: Obj): Obj => {
  const chats = payload.chats as { bindings?: Obj[] } | undefined;
  if (!chats?.bindings) return payload;
  return { ...payload, chats: { ...chats, bindings: chats.bindings.map(({ guests: _, ...binding }) => binding) } };
};
/** An instance without its channels (instances.ts Instance.channels), which 18 lacks. */
const instanceFor18 = ({ channels: _channels, ...instance }: Obj): Obj => instance;
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
    // Decision 80: how the runs' traces are exported, and the workspace's own collector.
    "traces.get",
    "traces.configure",
  ],
  events: {
    hello: helloFor18,
    "settings.changed": withSettingsFor18,
    "chats.changed": chatsFor18,
    "instance.updated": withInstanceFor18,
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
  },
  up: {
    events: { hello: (hello: Obj) => ({ ...hello, protocol: 19 }) },
    results: {},
  },
};
