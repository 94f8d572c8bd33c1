import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_GATEWAY_PORT,
  EXPOSURES,
  gatewayUrlFor,
  guideText,
  OPENCLAW_VERSION,
  ownGatewaySteps,
  startCommand,
} from "../openclaw-paths";
import { GatewayToken, GatewayUrl } from "../protocol/instance-links";

const pinned = JSON.parse(readFileSync(new URL("../../runtime/openclaw/package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
};

describe("the two ways to have an OpenClaw", () => {
  it("installs the OpenClaw the runtime pins and the tests run", () => {
    expect(pinned.dependencies.openclaw).toBe(OPENCLAW_VERSION);
    const steps = ownGatewaySteps({ exposure: "this-machine", port: 18789, token: "t", appUrl: "https://a.example" });
    expect(steps[0]!.command).toBe(`npm install -g openclaw@${OPENCLAW_VERSION}`);
  });

  it("starts the gateway with its token from the environment, on the port asked, published by Funnel only when chosen", () => {
    const token = "x".repeat(32);
    expect(startCommand("this-machine", 20123, token)).toBe(
      `OPENCLAW_GATEWAY_TOKEN=${token} openclaw gateway run --port 20123 --auth token`,
    );
    expect(startCommand("tunnel", 20123, token)).not.toContain("--tailscale");
    expect(startCommand("tailscale", 20123, token)).toContain("--tailscale funnel");
  });

  it("says how each exposure is reached; on this machine, an address the link form accepts", () => {
    expect(GatewayUrl.safeParse(gatewayUrlFor("this-machine", 20123)).success).toBe(true);
    expect(gatewayUrlFor("this-machine", 20123)).toBe("ws://127.0.0.1:20123");
    for (const { value } of EXPOSURES) expect(gatewayUrlFor(value, 1)).toMatch(/^wss?:\/\//);
    const tunnel = ownGatewaySteps({ exposure: "tunnel", port: 20123, token: "t", appUrl: "https://a.example" });
    expect(tunnel.map((s) => s.title)).toContain("Expose it");
    expect(tunnel.find((s) => s.title === "Expose it")!.command).toBe(
      "cloudflared tunnel --url http://127.0.0.1:20123",
    );
  });

  it("links from a terminal with the token on stdin, never as an argument", () => {
    const token = "y".repeat(40);
    expect(GatewayToken.safeParse(token).success).toBe(true);
    const steps = ownGatewaySteps({ exposure: "this-machine", port: 20123, token, appUrl: "https://a.example" });
    const link = steps.at(-1)!.command!;
    const [stdin, cli] = link.split(" | ");
    expect(stdin).toBe(`echo ${token}`);
    expect(cli).toContain("autopilot instance link <id> ws://127.0.0.1:20123");
    expect(cli).not.toContain(token);
  });

  it("the Autopilot's text holds both paths, with placeholders where the person's own values go", () => {
    const text = guideText();
    expect(text).toContain("A managed OpenClaw gateway");
    expect(text).toContain("Your own OpenClaw gateway");
    expect(text).toContain(`openclaw gateway run --port ${DEFAULT_GATEWAY_PORT} --auth token`);
    expect(text).toContain("<token>");
    expect(guideText("own")).not.toContain("A managed OpenClaw gateway");
    expect(guideText("managed")).not.toContain("Your own OpenClaw gateway");
  });
});
