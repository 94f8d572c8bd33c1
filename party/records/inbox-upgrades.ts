import { isDoc, type StoredDoc, type Upgrade } from "./codec";

const KINDS = ["approval", "mention", "reply", "failure"] as const;

/**
 * Inbox preferences gained a `push` channel per kind (Web Push). Preferences stored before
 * it get the channel as the person chose for the open tab: whoever wanted a kind in the
 * browser wants it on a closed one too, once they subscribe a browser (nothing is pushed
 * before that).
 */
export const withPushChannel: Upgrade = (doc) => {
  const next: StoredDoc = { ...doc };
  for (const kind of KINDS) {
    const channels = doc[kind];
    if (isDoc(channels) && channels.push === undefined) next[kind] = { ...channels, push: channels.browser === true };
  }
  return next;
};

export const INBOX_PREFERENCES_UPGRADES: readonly Upgrade[] = [withPushChannel];

/** For a recorded `inbox.configure` result `{preferences}`: the preferences upgraded. */
export const preferencesIn: Upgrade = (doc) =>
  isDoc(doc.preferences) ? { ...doc, preferences: withPushChannel(doc.preferences) } : doc;
