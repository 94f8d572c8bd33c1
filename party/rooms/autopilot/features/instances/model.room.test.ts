// An instance's own model (features/instances/model.ts) against the scripted gateway: what
// is read of its config (only model ids, each checked), a model set through `config.patch`
// against the hash `config.get` gave, one the runtime does not offer refused before anything
// is sent, and a linked gateway's model left to its machine. The pinned gateway's side is in
// client/test/e2e-gateway-tools.test.ts.
import { describe, expect, it } from "vitest";
import { connectTo, inRoom, linkAndGateway, ok, seedInstance } from "../../../../test/bridge-peer";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { getInstance } from "../instance-store";
import { instanceModels, LINKED_MODEL_NOTE, modelsInConfig, setInstanceModel } from "./model";

const config = (primary: unknown) => ({
  agents: { defaults: { workspace: "/w", model: { primary } } },
  models: {
    providers: {
      runtime: { apiKey: "__OPENCLAW_REDACTED__", models: [{ id: "small" }, { id: "large" }, { id: "bad id;" }, 7] },
    },
  },
});
const bridgeOver = (link: BridgeLink) => ({
  connected: true,
  channels: {
    request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t),
  },
});
const codeOf = (error: unknown) => (error as { code?: string }).code;

describe("an instance's model through the scripted gateway", () => {
  it("reads only the offered ids and the chosen one; an unknown or foreign primary reads as the default", () => {
    expect(modelsInConfig(config("runtime/large"))).toEqual({ model: "large", offered: ["small", "large"] });
    for (const primary of ["runtime/huge", "openai/gpt-5", 3, undefined])
      expect(modelsInConfig(config(primary)).model, String(primary)).toBe("small");
    expect(modelsInConfig("junk")).toEqual({ model: null, offered: [] });
  });

  it("sets an offered model with config.patch against the hash it read; refuses one not offered before sending anything", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let primary = "runtime/small";
      gw.on("config.get", () => ok({ hash: `h-${primary}`, exists: true, valid: true, config: config(primary) }));
      gw.on("config.patch", (p) => {
        primary = (JSON.parse(String(p.raw)) as ReturnType<typeof config>).agents.defaults.model.primary as string;
        return ok({ ok: true });
      });
      link.connection = await connectTo(gw);
      const instance = getInstance(sql, "inst")!;
      expect(await instanceModels(instance, bridgeOver(link))).toEqual({
        model: "small",
        offered: ["small", "large"],
        note: null,
      });
      const refused = await setInstanceModel(instance, bridgeOver(link), "huge").catch((e: unknown) => e);
      expect(codeOf(refused)).toBe("bad_request");
      expect(gw.requests("config.patch")).toHaveLength(0);

      await setInstanceModel(instance, bridgeOver(link), "large");
      const [patch] = gw.requests("config.patch");
      expect(patch!.params).toMatchObject({ baseHash: "h-runtime/small" });
      expect(JSON.parse(String(patch!.params!.raw))).toEqual({
        agents: { defaults: { model: { primary: "runtime/large" } } },
      });
      expect((await instanceModels(instance, bridgeOver(link))).model).toBe("large");
      // Already its model: nothing is sent again.
      await setInstanceModel(instance, bridgeOver(link), "large");
      expect(gw.requests("config.patch")).toHaveLength(1);
    });
  });

  it("a linked gateway's model is set on its machine: read as a note, refused as a change; no gateway, no change", async () => {
    await inRoom(async (sql) => {
      const linked = seedInstance(sql, { id: "own", kind: "linked" });
      expect(await instanceModels(linked, undefined)).toEqual({ model: null, offered: [], note: LINKED_MODEL_NOTE });
      expect(codeOf(await setInstanceModel(linked, undefined, "large").catch((e: unknown) => e))).toBe("conflict");
      const hosted = seedInstance(sql, { id: "off" });
      expect(codeOf(await setInstanceModel(hosted, undefined, "large").catch((e: unknown) => e))).toBe("unavailable");
    });
  });
});
