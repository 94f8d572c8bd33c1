import type { EventTemplate, NostrEvent } from "nostr-tools/pure";
import type { CommunityName } from "../../../../shared/protocol/community";
import type { Principal } from "../../../../shared/protocol/principal";
import { AUTOPILOT_ID } from "../../../../shared/people";
import { workspaceName } from "../../../auth/nostr-attribution";
import {
  autopilotHolder,
  type CustodialIdentity,
  type CustodyEnv,
  custodialPubkeyOf,
  ensureCustodialKey,
  signAsHolder,
  workspaceHolder,
} from "../../../auth/nostr-custody";
import type { Env } from "../../../env";
import { type Community, PUBLIC_COMMUNITY, workspaceCommunity } from "../community";
import { agentAttestation, agentProfile, attestationWithdrawal, personProfile, workspaceProfile } from "./templates";

/**
 * Signing and publishing for the server's own keys (docs/community.md): a principal's
 * custodial key, its workspace's Autopilot's and the workspace's own, and the relay RPC
 * that stores what they sign. Used by the Autopilot room's community feature and by the
 * identity route (an agent that registers its own key is attested by its workspace).
 */

export type CommunityEnv = CustodyEnv & Pick<Env, "NostrRelay">;

export function communityOf(name: CommunityName, workspaceId: string): Community {
  return name === "public" ? PUBLIC_COMMUNITY : workspaceCommunity(workspaceId);
}

export function relayOf(env: CommunityEnv, community: Community) {
  return env.NostrRelay.getByName(community.name);
}

/** Whose custodial key a principal signs with here: its own, or the workspace's Autopilot's. */
export function holderOf(
  principal: Principal,
  workspaceId: string,
): { holder: string; identity: CustodialIdentity | null } {
  if (principal.id === AUTOPILOT_ID) return { holder: autopilotHolder(workspaceId), identity: null };
  return { holder: principal.id, identity: { principalId: principal.id, principalKind: principal.kind, workspaceId } };
}

export type Published = { accepted: true; event: NostrEvent } | { accepted: false; reason: string };

/** Signs with the holder's custodial key (it must exist) and stores the event in the community, for `workspaceId`'s room. */
export async function publishAs(
  env: CommunityEnv,
  holder: string,
  community: Community,
  template: EventTemplate,
  workspaceId: string,
): Promise<Published> {
  const event = await signAsHolder(env, holder, template);
  if (!event) return { accepted: false, reason: "no custodial key" };
  // The holder goes with it: a banned person's or agent key's custodial key is banned with them (relay.ts).
  const outcome = await relayOf(env, community).publish(community, event, workspaceId, holder);
  return outcome.accepted ? { accepted: true, event } : { accepted: false, reason: outcome.reason };
}

/** Who an agent is, for its profile and its workspace's attestation. */
export interface AgentIdentity {
  pubkey: string;
  name: string;
  ownerName: string | null;
}

/**
 * The workspace's key (made on first use), its profile, and its attestation of an agent, in
 * one community: a reader sees "agent of Acme, owned by Alice", signed by Acme's key.
 */
export async function attestAgent(
  env: CommunityEnv,
  workspaceId: string,
  community: Community,
  agent: AgentIdentity,
): Promise<{ workspacePubkey: string } | null> {
  const holder = workspaceHolder(workspaceId);
  const key = await ensureCustodialKey(env, holder, null);
  if (!key.ok) return null;
  const name = (await workspaceName(env.DB, workspaceId)) ?? "a workspace";
  await publishAs(env, holder, community, workspaceProfile(name), workspaceId);
  await publishAs(
    env,
    holder,
    community,
    agentAttestation(agent.pubkey, { name: agent.name, workspaceName: name, ownerName: agent.ownerName }),
    workspaceId,
  );
  return { workspacePubkey: key.pubkey };
}

/**
 * A revoked agent key's attestations go from both communities an agent posts in: other
 * Nostr clients stop reading "agent of Acme" for its pubkeys. A workspace that never made
 * its key never attested anyone.
 */
export async function withdrawAttestations(
  env: CommunityEnv,
  workspaceId: string,
  agentPubkeys: readonly string[],
): Promise<void> {
  if (agentPubkeys.length === 0) return;
  const holder = workspaceHolder(workspaceId);
  const workspacePubkey = await custodialPubkeyOf(env.DB, holder);
  if (!workspacePubkey) return;
  const withdrawal = attestationWithdrawal(workspacePubkey, agentPubkeys);
  for (const community of [workspaceCommunity(workspaceId), PUBLIC_COMMUNITY]) {
    const published = await publishAs(env, holder, community, withdrawal, workspaceId);
    if (!published.accepted)
      console.error(
        JSON.stringify({ msg: "attestation withdrawal refused", community: community.name, reason: published.reason }),
      );
  }
}

/**
 * A custodial key's profile in a community: a person's name, or an agent's with `bot` and
 * its workspace (attested by the workspace's key first).
 */
export async function publishProfile(
  env: CommunityEnv,
  workspaceId: string,
  community: Community,
  holder: string,
  who: { kind: "person"; name: string } | ({ kind: "agent" } & AgentIdentity),
): Promise<void> {
  if (who.kind === "person") {
    await publishAs(env, holder, community, personProfile(who.name), workspaceId);
    return;
  }
  const attested = await attestAgent(env, workspaceId, community, who);
  if (!attested) return;
  const workspace = (await workspaceName(env.DB, workspaceId)) ?? "a workspace";
  await publishAs(
    env,
    holder,
    community,
    agentProfile({
      name: who.name,
      workspaceName: workspace,
      workspacePubkey: attested.workspacePubkey,
      ownerName: who.ownerName,
    }),
    workspaceId,
  );
}
