// The two ways to have an OpenClaw in a workspace, in words and commands: managed (this
// service runs the gateway) or your own (you run it and link it). The app's "Add OpenClaw"
// shows them step by step, and the Autopilot answers "how do I…" from the same text
// (`instances.guide`), so the two never tell a person different things.

/** The OpenClaw this product is built and tested against (runtime/openclaw/package.json pins it; a test keeps them equal). */
export const OPENCLAW_VERSION = "2026.9.6";

/** The gateway's usual port (OpenClaw's default). */
export const DEFAULT_GATEWAY_PORT = 18789;

/** How the Autopilot reaches a gateway its owner runs. */
export type Exposure = "this-machine" | "tailscale" | "tunnel";

export const EXPOSURES: readonly { value: Exposure; label: string; text: string }[] = [
  {
    value: "this-machine",
    label: "On this machine",
    text: "The gateway runs where the Autopilot runs (a self-hosted `npm start`): it listens on loopback only and the Autopilot dials it there. A hosted Autopilot cannot reach loopback: pick Tailscale or a tunnel.",
  },
  {
    value: "tailscale",
    label: "Tailscale Funnel",
    text: "OpenClaw publishes its loopback port with Tailscale Funnel (Tailscale installed and signed in, Funnel enabled for the tailnet): a public https address of your machine, and the gateway's token guards it.",
  },
  {
    value: "tunnel",
    label: "A Cloudflare Tunnel",
    text: "cloudflared forwards a public https address to the gateway's loopback port; the quick tunnel's address changes each time it starts, a named tunnel keeps one. The gateway's token guards it.",
  },
];

/** One step of a path: what to do, and the command that does it, if there is one. */
export interface GuideStep {
  title: string;
  text: string;
  command?: string;
}

/** The address the Autopilot dials for an exposure (placeholders in <…> where only the owner knows it). */
export function gatewayUrlFor(exposure: Exposure, port: number): string {
  if (exposure === "this-machine") return `ws://127.0.0.1:${port}`;
  if (exposure === "tailscale") return "wss://<machine>.<tailnet>.ts.net";
  return "wss://<name>.trycloudflare.com";
}

/** The command that starts the gateway for an exposure, with its token from the environment (never in the config the agent can read). */
export function startCommand(exposure: Exposure, port: number, token: string): string {
  const funnel = exposure === "tailscale" ? " --tailscale funnel" : "";
  return `OPENCLAW_GATEWAY_TOKEN=${token} openclaw gateway run --port ${port} --auth token${funnel}`;
}

/** What an own gateway's owner does, in order: install, set up, start, expose, link. */
export function ownGatewaySteps(options: {
  exposure: Exposure;
  port: number;
  /** The gateway's shared token: made in the person's browser, or `<token>` in the Autopilot's words. */
  token: string;
  /** This app's address, for the command-line link (`<this app's address>` when unknown). */
  appUrl: string;
  /** The workspace's id, for the command-line link (`<workspace>` when unknown). */
  workspace?: string;
}): GuideStep[] {
  const { exposure, port, token, appUrl, workspace = "<workspace>" } = options;
  const url = gatewayUrlFor(exposure, port);
  const steps: GuideStep[] = [
    {
      title: "Install OpenClaw",
      text: `Node 24 or newer, then the OpenClaw this workspace is tested with (${OPENCLAW_VERSION}).`,
      command: `npm install -g openclaw@${OPENCLAW_VERSION}`,
    },
    {
      title: "Set it up once",
      text: "OpenClaw asks for its model (a provider and its key: yours, billed to you) and makes its workspace.",
      command: "openclaw onboard --mode local",
    },
    {
      title: "Start the gateway",
      text: "With a token only you and this workspace know (made here, in your browser; the Autopilot keeps it and never shows it again). Keep it running, or install it as a service with `openclaw gateway install`.",
      command: startCommand(exposure, port, token),
    },
  ];
  if (exposure === "tunnel")
    steps.push({
      title: "Expose it",
      text: "In a second terminal: cloudflared prints the https address it gives the gateway. Use it with wss:// in the link.",
      command: `cloudflared tunnel --url http://127.0.0.1:${port}`,
    });
  if (exposure === "tailscale")
    steps.push({
      title: "Find its address",
      text: "OpenClaw prints the Funnel address when it starts; `tailscale funnel status` shows it too. Use it with wss:// in the link.",
      command: "tailscale funnel status",
    });
  steps.push({
    title: "Link it",
    text: "Fill in the link below (the address and the token are filled in already), or from a terminal with a key of this workspace that may write. A person with the approve scope then confirms the link; the Autopilot connects to the gateway once it is approved.",
    // The token on stdin: `echo` is the shell's own, so it never shows in the process list.
    command: `echo ${token} | AUTOPILOT_URL=${appUrl} AUTOPILOT_WORKSPACE=${workspace} AUTOPILOT_KEY=<key> npx -y -p ${appUrl}/autopilot-client.tgz autopilot instance link <id> ${url} --name "<name>"`,
  });
  return steps;
}

/** The managed path: this service runs the gateway. */
export const MANAGED_STEPS: readonly GuideStep[] = [
  {
    title: "Ask for one",
    text: "Instances → give it an id (e.g. work) → Provision, or ask the Autopilot to provision one. A person with the approve scope confirms it in Approvals.",
  },
  {
    title: "It starts",
    text: "The service starts a gateway with this workspace's model settings, connects the Autopilot to it and shows its progress on the instance. Restarts, backups and restores are here too, each approved by a person.",
  },
  {
    title: "Use it",
    text: "Attach it to a thread (the thread's menu or `instance attach`), then talk to it there; its sessions, devices, channels and skills are on the instance.",
  },
];

/** Managed or your own, compared in a sentence each. */
export const PATHS_COMPARED =
  "Managed: this service runs the gateway for you, with restarts, backups and its cost on the workspace's plan. Your own: you run OpenClaw on a machine of yours (your model key, your files) and link it; the Autopilot talks to it the same way, and restarts and backups stay yours.";

const stepsText = (steps: readonly GuideStep[]) =>
  steps.map((s, i) => `${i + 1}. ${s.title}: ${s.text}${s.command ? `\n   ${s.command}` : ""}`).join("\n");

/** The guide as text, for the Autopilot and the command line: one path, or both. */
export function guideText(path?: "managed" | "own"): string {
  const own = () =>
    [
      "Your own OpenClaw gateway, linked to this workspace:",
      stepsText(
        ownGatewaySteps({
          exposure: "this-machine",
          port: DEFAULT_GATEWAY_PORT,
          token: "<token>",
          appUrl: "<this app's address>",
        }),
      ),
      `How the Autopilot reaches it:\n${EXPOSURES.map((e) => `- ${e.label}: ${e.text}`).join("\n")}`,
      `With Tailscale Funnel, start it with \`${startCommand("tailscale", DEFAULT_GATEWAY_PORT, "<token>")}\`; with a tunnel, also run \`cloudflared tunnel --url http://127.0.0.1:${DEFAULT_GATEWAY_PORT}\`. The token is any 16 or more printable characters; the app's "Run your own" makes one.`,
    ].join("\n\n");
  const managed = () => `A managed OpenClaw gateway:\n${stepsText(MANAGED_STEPS)}`;
  if (path === "own") return own();
  if (path === "managed") return managed();
  return [PATHS_COMPARED, managed(), own()].join("\n\n");
}
