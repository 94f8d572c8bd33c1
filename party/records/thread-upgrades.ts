import type { StoredDoc, Upgrade } from "./codec";

/**
 * Protocol 5 gave every thread a `responder`. Threads stored before it answered the way
 * they always had: an OpenClaw-attached thread through its gateway, any other not at all
 * (a room with a model configured still leaves them silent: nobody asked for replies
 * there). The same step upgrades the events and recorded results that carry a thread.
 */
export const withResponder = (doc: StoredDoc): StoredDoc => ("responder" in doc ? doc : { ...doc, responder: { kind: doc.gateway ? "openclaw" : "none", reply: "every" } });

export const THREAD_UPGRADES: readonly Upgrade[] = [withResponder];

const isDoc = (value: unknown): value is StoredDoc => typeof value === "object" && value !== null && !Array.isArray(value);

/** For a payload or result `{thread, …}`: the thread upgraded. */
export const threadIn: Upgrade = (doc) => (isDoc(doc.thread) ? { ...doc, thread: withResponder(doc.thread) } : doc);
