import { chatPlatformCapabilities } from "./chat-platforms";
import { skillRemovalCapability, skillsCapability } from "./skills";
import { whatsAppLiveCapability } from "./channels";
import { configCapability } from "./instance-config";
import { inboxChangesCapability } from "./inbox";
import { chatDeltasCapability } from "./gateway";
import { toolsCapability } from "./instance-tools";
import { jobsProgressCapability } from "./jobs";
import { toolStepsCapability } from "./agent";
import { runlogMarksCapability, tasksStepsCapability } from "./tasks";
import { tracesLiveCapability } from "./traces";
import { replyStreamedCapability } from "./streamed";
import { stepsLeanCapability } from "./steps-lean";
import { bumpsOthersCapability } from "./interest";
import { stepsFoldedCapability } from "./steps-folded";
import { stepsDerivedCapability } from "./steps-derived";

/**
 * Capabilities: what the protocol gains between versions (docs/decisions/068-protocol-grows-by-capabilities.md).
 *
 * An additive change (a new event, an enum value, a field whose absence an older client
 * cannot tell from the old meaning) needs no new version: it is named here, a client asks for
 * it by name when it connects (`?caps=`), and only sockets that asked get it. Every other
 * socket gets the frame as its own version knew it, through the capability's conversions, the
 * same way a version's cut turns a newer frame into the older one (cuts/cut.ts). A version bump
 * is kept for changes that remove something or change what it means.
 *
 * Each capability belongs to the version that was current when it was added (`since`). At the
 * next bump every capability of the version before is part of the new version's shapes, and its
 * entry stays for the clients of `since` that ask for it.
 */
export interface Capability {
  /** What a client asks for: lower case, dots and dashes (`chats.discord`). */
  readonly name: string;
  /** The version current when the capability was added; only clients of that version may ask for it. */
  readonly since: number;
  /** What it adds, in a sentence (the hello's list and docs/protocol.md name it). */
  readonly summary: string;
  /**
   * Where it adds to the wire, as the schema lock names a change (shared/test/schema-diff.ts):
   * `events.<name>` for a new event, `<events|results|params>.<name>.<path>` for a field or an
   * enum value. The lock fails on an additive change no capability (or version) claims.
   */
  readonly adds: readonly string[];
  /**
   * Where it sends less without changing a shape, named as `adds` names a place: entries a
   * socket that asked is not sent (a capability adds to the wire, withholds from it, or both).
   */
  readonly withholds?: readonly string[];
  /** Per event, the payload for a socket that did not ask; `null` drops the event (only ephemeral ones, or new events). */
  readonly events: Record<string, (payload: never) => unknown>;
  /** Per method, the result for a socket that did not ask. */
  readonly results: Record<string, (payload: never) => unknown>;
  /**
   * Per event, what a socket that asked for it (and takes frames as the room writes them) is
   * sent live, when the capability sends less than the whole: the room writes the whole frame
   * (its log, replays and every converted socket get that) and sends this to the others. The
   * same payload back: nothing less to send. Where capabilities before it send the event less
   * too, it is given their payload and, second, the whole one the room wrote.
   */
  readonly written?: Record<string, (payload: never, whole?: never) => unknown>;
  /** Error codes it adds, each as the older code a socket that did not ask gets (with `details.reason` naming the new one). */
  readonly errors?: Record<string, string>;
}

/**
 * Every capability the room offers, oldest first. A client of `since` asks for those it was
 * built with; the room tells it in the hello which it offers.
 */
export const CAPABILITIES: readonly Capability[] = [
  ...chatPlatformCapabilities(),
  skillsCapability(),
  skillRemovalCapability(),
  whatsAppLiveCapability(),
  toolsCapability(),
  configCapability(),
  tracesLiveCapability(),
  tasksStepsCapability(),
  runlogMarksCapability(),
  inboxChangesCapability(),
  chatDeltasCapability(),
  jobsProgressCapability(),
  toolStepsCapability(),
  replyStreamedCapability(),
  stepsLeanCapability(),
  bumpsOthersCapability(),
  stepsFoldedCapability(),
  stepsDerivedCapability(),
];

/** At most this many names are read from a connect's `caps` (each at most 48 characters). */
export const MAX_ASKED_CAPABILITIES = 32;

const NAME = /^[a-z][a-z0-9.-]{0,47}$/;

/**
 * The capabilities a connect asks for (`?caps=a,b`) that the room offers to `version`, sorted;
 * unknown names are ignored (a newer client asking for what this server lacks), so are malformed ones.
 */
export function askedCapabilities(
  value: string | null,
  version: number,
  offered: readonly Capability[] = CAPABILITIES,
): string[] {
  if (!value) return [];
  const names = new Set(
    value
      .split(",", MAX_ASKED_CAPABILITIES)
      .map((name) => name.trim())
      .filter((name) => NAME.test(name)),
  );
  return offered
    .filter((capability) => capability.since === version && names.has(capability.name))
    .map((capability) => capability.name)
    .sort();
}

/** The names the room offers to a client of `version` (the hello's `capabilities`). */
export const offeredCapabilities = (version: number, offered: readonly Capability[] = CAPABILITIES): string[] =>
  offered.filter((capability) => capability.since === version).map((capability) => capability.name);
