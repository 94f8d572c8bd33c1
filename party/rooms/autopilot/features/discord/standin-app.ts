// The Discord application the stand-in (discord-standin.ts) knows, as the tests connect it.
// Its signing key lives only in the stand-in, which signs interactions as Discord does.
export const DISCORD_APP = {
  id: "1180000000000000001",
  name: "Standin Autopilot",
  botId: "1180000000000000002",
  botUsername: "standin-autopilot",
  token: "MTE4MDAwMDAwMDAwMDAwMDAwMg.Gstand.in-discord-bot-token-not-for-clients_0123",
};
