import { inField, isDoc, type StoredDoc, type Upgrade } from "./codec";

/**
 * Protocol 5 gave every thread a `responder`. Threads stored before it answered the way
 * they always had: an OpenClaw-attached thread through its gateway, any other not at all
 * (a room with a model configured still leaves them silent: nobody asked for replies
 * there). The same step upgrades the events and recorded results that carry a thread.
 */
export const withResponder = (doc: StoredDoc): StoredDoc =>
  "responder" in doc ? doc : { ...doc, responder: { kind: doc.gateway ? "openclaw" : "none", reply: "every" } };

/**
 * Protocol 8 gave the responder `agents` (whether agents' posts trigger the Autopilot).
 * Threads stored before it get the new default, off: that the Autopilot answered an
 * agent key's every post (a CI bot's "build is green") is what the setting is for. A
 * thread that wants it back is one `threads.configure {agents: true}` away.
 */
export const withAgentsSetting = (doc: StoredDoc): StoredDoc =>
  isDoc(doc.responder) && !("agents" in doc.responder)
    ? { ...doc, responder: { ...doc.responder, agents: false } }
    : doc;

/**
 * Rooms before protocol 8 left a deleted instance's threads answered by `openclaw` with no
 * gateway: the app read "Nobody" while the CLI still said OpenClaw. Such a thread has no
 * responder (what a delete now writes itself).
 */
export const withoutDetachedGateway = (doc: StoredDoc): StoredDoc =>
  isDoc(doc.responder) && doc.responder.kind === "openclaw" && !doc.gateway
    ? { ...doc, responder: { ...doc.responder, kind: "none", reply: "every" } }
    : doc;

export const THREAD_UPGRADES: readonly Upgrade[] = [withResponder, withAgentsSetting, withoutDetachedGateway];

/** For a payload or result `{thread, …}`: the thread upgraded by `step`. */
const inThread = (step: Upgrade): Upgrade => inField("thread", step);

/** Protocol 5's step for the events and results carrying a thread. */
export const threadIn = inThread(withResponder);
/** Protocol 8's. */
export const threadAgentsIn = inThread(withAgentsSetting);
export const threadDetachedIn = inThread(withoutDetachedGateway);
/** Every step, for the events and results that carry a thread since before protocol 5. */
export const THREAD_IN_UPGRADES: readonly Upgrade[] = [threadIn, threadAgentsIn, threadDetachedIn];
