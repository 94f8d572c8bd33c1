// What the channel tests share (channels.room.test.ts, token-escapes.room.test.ts): a Telegram
// bot token shaped as Telegram makes them, and a person's request to configure instance
// `inst` (seeded by bridge-peer.ts's seedInstance) with it.
import { InstancesConfigureChannelParams } from "../../../../../../shared/protocol/channels";
import type { Sql } from "../../../../../domain/sql";
import { channelSecrets, requestConfigureChannel } from "../requests";
import { asPerson } from "../../../../../test/bridge-peer";
import { TEST_SEALING_SECRET } from "../../../../../test/instance-ops";

export const TOKEN = "123456789:AAsecret-bot-token_0123456789abcdef";
/** How the deps the tests settle with (instance-ops.ts) seal and open a request's token. */
export const SECRETS = channelSecrets(TEST_SEALING_SECRET, "ws_test");

/** A person asks for Telegram on `inst` with the token; `extra` adds or overrides params. */
export const configure = (sql: Sql, extra: Record<string, unknown> = {}) =>
  asPerson(sql, (ctx) =>
    requestConfigureChannel(
      ctx,
      InstancesConfigureChannelParams.parse({
        instanceId: "inst",
        channel: "telegram",
        botToken: TOKEN,
        idempotencyKey: `idem-${crypto.randomUUID()}`,
        ...extra,
      }),
      SECRETS,
    ),
  );
