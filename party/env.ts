import type { ModelEnv } from "./rooms/autopilot/features/model/config";
import type { BillingEnv } from "./rooms/autopilot/features/billing/config";
import type { StripeApiEnv } from "./rooms/autopilot/features/billing/stripe";
import type { Autopilot } from "./rooms/autopilot/room";
import type { Hatchery } from "./rooms/hatchery/room";
import type { NostrRelay } from "./rooms/relay/relay";
import type { Delivery } from "./rooms/delivery/delivery";

/** AUTOPILOT_MODEL_* (party/rooms/autopilot/features/model/config.ts): the Autopilot's own model; the key is a secret. */
export interface Env extends ModelEnv, BillingEnv, StripeApiEnv {
  DB: D1Database;
  Autopilot: DurableObjectNamespace<Autopilot>;
  Hatchery: DurableObjectNamespace<Hatchery>;
  /** The Nostr relay: one object per community (party/rooms/relay/, docs/community.md). */
  NostrRelay: DurableObjectNamespace<NostrRelay>;
  /** The fan-out tier's delivery objects (party/rooms/delivery/), used when DELIVERY_OBJECTS is set. */
  Delivery: DurableObjectNamespace<Delivery>;
  /** How many delivery objects hold a workspace's sockets (docs/scale.md); unset or 0: the room holds them. */
  DELIVERY_OBJECTS?: string;
  ASSETS: Fetcher;
  /** Files in threads (party/files/): one object per file under `<workspaceId>/<fileId>`. */
  FILES: R2Bucket;
  /** The largest file upload in bytes (party/files/content.ts; docs/operations.md "Limits"). */
  FILE_MAX_BYTES?: string;
  /** What one workspace may store of files in all (bytes; default 1 GiB): an upload past it is refused. */
  FILE_WORKSPACE_MAX_BYTES?: string;
  /** Signs session cookies. Local dev writes a random one to .dev.vars. */
  BETTER_AUTH_SECRET: string;
  /** Seals custodial Nostr keys at rest (party/auth/nostr-custody.ts); unset, a key derived from BETTER_AUTH_SECRET does. */
  NOSTR_CUSTODY_SECRET?: string;
  /** Origins besides the request's own whose pages may use the session cookie (comma-separated; party/auth/origin.ts). */
  APP_ORIGINS?: string;
  /** The rooms' limits (party/rooms/shared/limits.ts; docs/operations.md "Limits"). */
  RATE_LIMIT_PER_SECOND?: string;
  RATE_LIMIT_BURST?: string;
  PRINCIPAL_RATE_LIMIT_PER_SECOND?: string;
  PRINCIPAL_RATE_LIMIT_BURST?: string;
  WORKSPACE_RATE_LIMIT_PER_SECOND?: string;
  WORKSPACE_RATE_LIMIT_BURST?: string;
  MAX_CONNECTIONS_PER_PRINCIPAL?: string;
  /**
   * Protocol versions an operator retires on a given day, as JSON (`{"17":"2027-03-01"}`), to
   * rehearse a retirement: the hello warns their clients from 30 days before, and the day after
   * they are refused (shared/protocol/version.ts). Unset: the window's own dates.
   */
  PROTOCOL_RETIREMENTS?: string;
  /** The Autopilot's schedules: how many a workspace keeps (default 50), and the shortest interval in seconds (default 60). */
  MAX_SCHEDULES?: string;
  SCHEDULE_MIN_INTERVAL_SECONDS?: string;
  EVENT_LOG_RETAIN?: string;
  /** The Hatchery's limits (party/rooms/hatchery/limits.ts; docs/operations.md "Limits"). */
  HATCHERY_MAX_FRAME_BYTES?: string;
  HATCHERY_MAX_DOC_BYTES?: string;
  HATCHERY_MAX_AWARENESS_BYTES?: string;
  HATCHERY_MAX_PERSON_NODES?: string;
  HATCHERY_MAX_EDGES?: string;
  HATCHERY_FRAMES_PER_SECOND?: string;
  HATCHERY_FRAME_BURST?: string;
  HATCHERY_PRINCIPAL_FRAMES_PER_SECOND?: string;
  HATCHERY_PRINCIPAL_FRAME_BURST?: string;
  /** The Nostr relay's limits (party/rooms/relay/limits.ts; docs/community.md "Limits"). */
  RELAY_MAX_MESSAGE_LENGTH?: string;
  RELAY_MAX_SUBSCRIPTIONS?: string;
  RELAY_MAX_FILTERS?: string;
  RELAY_MAX_LIMIT?: string;
  RELAY_DEFAULT_LIMIT?: string;
  RELAY_MAX_EVENT_TAGS?: string;
  RELAY_MAX_CONTENT_LENGTH?: string;
  RELAY_MAX_FILTER_VALUES?: string;
  RELAY_CREATED_AT_LOWER_LIMIT?: string;
  RELAY_CREATED_AT_UPPER_LIMIT?: string;
  RELAY_MESSAGES_PER_SECOND?: string;
  RELAY_MESSAGE_BURST?: string;
  RELAY_EVENTS_PER_MINUTE?: string;
  RELAY_COMMUNITY_EVENTS_PER_SECOND?: string;
  RELAY_COMMUNITY_EVENT_BURST?: string;
  RELAY_MAX_CONNECTIONS?: string;
  RELAY_MAX_CONNECTIONS_PER_ADDRESS?: string;
  /** Audit entries the Autopilot keeps (the newest). */
  AUDIT_RETAIN?: string;
  /** Tasks' budgets and how many run at once (features/tasks/limits.ts; docs/operations.md "Limits"). */
  AUTOPILOT_TASK_STEPS?: string;
  AUTOPILOT_TASK_MAX_STEPS?: string;
  AUTOPILOT_TASK_MAX_TOKENS?: string;
  AUTOPILOT_TASK_MAX_MINUTES?: string;
  AUTOPILOT_TASKS_AT_ONCE?: string;
  /** The OpenClaw runtime (process host locally, sandbox Worker in production); used by the gateway bridge. */
  RUNTIME_URL?: string;
  /** The device entry's public origin as devices dial it (wss://host, or ws:// on a private network); unset: no setup codes (party/rooms/autopilot/features/devices/setup.ts). */
  DEVICE_ENTRY_ORIGIN?: string;
  /** Secret: the runtime derives the same per-workspace credentials from it (shared/runtime/tenant.ts); never sent, never the runtime's service token. */
  RUNTIME_TENANT_KEY?: string;
  /** "1": linked gateways (instances.link) may be on loopback/private addresses (local dev; party/rooms/autopilot/features/instance-store/gateway-address.ts). */
  LINKED_GATEWAY_ALLOW_PRIVATE?: string;
  /** What the room takes from any gateway, hosted or linked (party/rooms/autopilot/features/gateway-bridge/gateway-limits.ts; docs/operations.md "Limits"). */
  GATEWAY_MAX_FRAME_BYTES?: string;
  GATEWAY_MAX_RUN_CHARS?: string;
  GATEWAY_MAX_LIVE_RUNS?: string;
  GATEWAY_MAX_PENDING_APPROVALS?: string;
  GATEWAY_HELLO_STREAM_BYTES?: string;
  /** Scheduled backups of every ready instance: seconds between runs (0 = off) and archives kept (party/rooms/autopilot/features/instances/backup-policy.ts). */
  /** Seconds a hosted instance may idle before its gateway sleeps, over the plan's `sleepAfterMinutes` (decision 78); 0: never. */
  INSTANCE_SLEEP_AFTER_SECONDS?: string;
  BACKUP_INTERVAL_SECONDS?: string;
  BACKUP_KEEP?: string;
  /** `open` (default) or `waitlist`: party/auth/signup-policy.ts. */
  SIGNUP_MODE?: string;
  /** Comma-separated addresses that become operators (`/admin`) at sign-up. */
  ADMIN_EMAILS?: string;
  /** "1": keep sent mails in D1 for the dev outbox route (local and tests only; party/auth/mail.ts). */
  DEV_MAIL_OUTBOX?: string;
  /** "1": a test's own server, whose clock the test moves (party/domain/test-clock.ts, decision 85). Never in production. */
  DEV_TEST_CLOCK?: string;
  /** A Resend-compatible HTTP mail API (party/auth/mail.ts); the key is a secret. */
  MAIL_API_URL?: string;
  MAIL_API_KEY?: string;
  MAIL_FROM?: string;
  /** Web Push (party/rooms/autopilot/features/inbox/push.ts): the VAPID key pair (base64url) and a `mailto:` subject; the private key is a secret. Without all three the app offers no push. */
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  VAPID_SUBJECT?: string;
  /** Chats (party/rooms/autopilot/features/chats/): Telegram's Bot API (a stand-in's address in tests; Telegram's own when unset). */
  TELEGRAM_API_BASE?: string;
  /** Chats: Slack's Web API (a stand-in's address in tests; Slack's own when unset). */
  SLACK_API_BASE?: string;
  /** Seals chat bots' tokens at rest; unset, a key derived from BETTER_AUTH_SECRET does. */
  CHATS_SECRET?: string;
  /** Tests only: `host:port` of a stand-in push service the room may post to (plain http too). Never set in production. */
  PUSH_TEST_ENDPOINT_HOST?: string;
  /** Window of the sign-in/sign-up/ticket rate limits in seconds (party/auth/rate-limits.ts). */
  AUTH_RATE_LIMIT_WINDOW_S?: string;
}
