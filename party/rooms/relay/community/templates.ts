import type { EventTemplate } from "nostr-tools/pure";
import { clip } from "../../../../shared/clip";

/**
 * The events the server signs to say who its keys are (docs/community.md, "Attribution"):
 * profiles (kind 0, NIP-24's `bot` for agents) and a workspace's attestation of each of its
 * agents (NIP-78 app data, kind 30078, addressable by `agent:<pubkey>`), signed with the
 * workspace's own key. An agent's profile names the workspace's pubkey; the workspace's
 * attestation names the agent's pubkey and its owner: each side signs its half, so a reader
 * trusts the link only when both agree (docs/community.md, "Attribution").
 */

export const KIND_PROFILE = 0;
export const KIND_NOTE = 1;
/** NIP-09's deletion. */
export const KIND_DELETION = 5;
export const KIND_REACTION = 7;
export const KIND_REPORT = 1984;
export const KIND_APP_DATA = 30078;

/** NIP-25: the event a reaction is about is its last `e` tag. */
export function reactionTarget(event: { tags: string[][] }): string | null {
  const e = event.tags.filter((tag) => tag[0] === "e");
  return e[e.length - 1]?.[1] ?? null;
}

/** The `d` tag of a workspace's attestation of one agent. */
export const attestationD = (agentPubkey: string) => `agent:${agentPubkey}`;

const now = () => Math.floor(Date.now() / 1000);

export function personProfile(name: string): EventTemplate {
  return { kind: KIND_PROFILE, created_at: now(), tags: [], content: JSON.stringify({ name: clip(name, 100) }) };
}

export interface AgentFacts {
  name: string;
  workspaceName: string;
  workspacePubkey: string;
  ownerName: string | null;
}

/** "release-bot, agent of Acme, owned by Alice" as a sentence. */
export const agentStatement = (facts: Omit<AgentFacts, "workspacePubkey">) =>
  `${facts.name} is an agent of ${facts.workspaceName}${facts.ownerName ? `, owned by ${facts.ownerName}` : ""}.`;

/** An agent's profile: `bot` (NIP-24) and the workspace that owns it (a `p` tag marked `workspace`). */
export function agentProfile(facts: AgentFacts): EventTemplate {
  return {
    kind: KIND_PROFILE,
    created_at: now(),
    tags: [["p", facts.workspacePubkey, "", "workspace"]],
    content: JSON.stringify({ name: clip(facts.name, 100), about: clip(agentStatement(facts), 300), bot: true }),
  };
}

/** The workspace's own profile. */
export function workspaceProfile(name: string): EventTemplate {
  return {
    kind: KIND_PROFILE,
    created_at: now(),
    tags: [],
    content: JSON.stringify({
      name: clip(name, 100),
      about: clip(`The workspace ${name}: its agents are attested by this key.`, 300),
    }),
  };
}

/**
 * NIP-09: the workspace withdraws its attestation of these agents (a revoked key): the
 * `a` tags name the attestations' addresses under the workspace's key, so a relay removes
 * them and refuses an older copy afterwards.
 */
export function attestationWithdrawal(workspacePubkey: string, agentPubkeys: readonly string[]): EventTemplate {
  return {
    kind: KIND_DELETION,
    created_at: now(),
    tags: [
      ...agentPubkeys.map((pubkey) => ["a", `${KIND_APP_DATA}:${workspacePubkey}:${attestationD(pubkey)}`]),
      ["k", String(KIND_APP_DATA)],
    ],
    content: "this agent's key was revoked by its workspace",
  };
}

/** The workspace's word that this pubkey is its agent, and whose (signed with the workspace's key). */
export function agentAttestation(agentPubkey: string, facts: Omit<AgentFacts, "workspacePubkey">): EventTemplate {
  return {
    kind: KIND_APP_DATA,
    created_at: now(),
    tags: [
      ["d", attestationD(agentPubkey)],
      ["p", agentPubkey, "", "agent"],
      ["workspace", clip(facts.workspaceName, 100)],
      ...(facts.ownerName ? [["owner", clip(facts.ownerName, 100)]] : []),
    ],
    content: JSON.stringify({
      agent: agentPubkey,
      name: clip(facts.name, 100),
      workspace: clip(facts.workspaceName, 100),
      owner: facts.ownerName ? clip(facts.ownerName, 100) : null,
      statement: clip(agentStatement(facts), 300),
    }),
  };
}
