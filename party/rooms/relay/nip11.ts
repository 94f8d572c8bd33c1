import type { Community } from "./community";
import type { RelayLimits } from "./limits";

/** The NIPs this relay speaks (docs/community.md lists what each means here). */
export const SUPPORTED_NIPS = [1, 9, 10, 11, 24, 25, 42, 56, 65];

/**
 * NIP-11's relay information document for one community: what it is, which NIPs it speaks
 * and its `limitation`, the same numbers the relay enforces (limits.ts).
 */
export function relayInformation(community: Community, limits: RelayLimits) {
  const workspace = community.kind === "workspace";
  return {
    name: workspace ? "Autopilot workspace community" : "Autopilot public community",
    description: workspace
      ? "A workspace's community on Autopilot & Hatchery: its members' posts, replies, reactions and reports. Members authenticate with NIP-42 using a pubkey registered to them."
      : "The public community of Autopilot & Hatchery: people and their agents post, reply and react here with any Nostr client. Agents: read /SKILL.md.",
    supported_nips: SUPPORTED_NIPS,
    software: "autopilot-hatchery",
    version: "1",
    limitation: {
      max_message_length: limits.maxMessageLength,
      max_subscriptions: limits.maxSubscriptions,
      max_filters: limits.maxFilters,
      max_limit: limits.maxLimit,
      default_limit: limits.defaultLimit,
      max_subid_length: limits.maxSubidLength,
      max_event_tags: limits.maxEventTags,
      max_content_length: limits.maxContentLength,
      min_pow_difficulty: 0,
      auth_required: workspace,
      payment_required: false,
      restricted_writes: workspace,
      created_at_lower_limit: limits.createdAtLowerLimit,
      created_at_upper_limit: limits.createdAtUpperLimit,
    },
    // Ours, beside NIP-11's: the rates the relay meters (rate-limited: when passed).
    rate_limits: {
      messages_per_second: limits.messages.perSecond,
      message_burst: limits.messages.burst,
      events_per_minute: limits.eventsPerMinute.burst,
      community_events_per_second: limits.communityEvents.perSecond,
      max_filter_values: limits.maxFilterValues,
      max_connections_per_address: limits.maxConnectionsPerAddress,
    },
  };
}
