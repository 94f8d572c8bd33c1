/** The Slack app the agent project's Slack stand-in knows (slack-standin-setup.ts): its bot token, signing secret, team. */
export const SLACK_APP = {
  token: "xoxb-5000000005-6000000006-standinWorkerdBot",
  signingSecret: "0ddba11c0ffee000000000000000000000b2",
  team: "T0WORKERD",
} as const;
