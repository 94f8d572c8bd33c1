import { describe, expect, it } from "vitest";
import { appOrigins, crossSiteRefusal, linkOrigin, ownHosts, requireLinkOrigin } from "../../auth/origin";

const APP = "https://app.example";
const req = (method: string, headers: Record<string, string>) =>
  new Request(`${APP}/api/workspaces/w/keys`, { method, headers });

describe("cross-site refusal for cookie-authenticated requests", () => {
  it("accepts the request's own origin and configured ones", () => {
    expect(appOrigins({}, `${APP}/x`)).toEqual([APP]);
    expect(appOrigins({ APP_ORIGINS: "http://127.0.0.1:8787, http://localhost:8787/" }, `${APP}/x`)).toEqual([
      APP,
      "http://127.0.0.1:8787",
      "http://localhost:8787",
    ]);
    expect(
      crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP, "content-type": "application/json" })),
    ).toBeNull();
    expect(
      crossSiteRefusal(
        { APP_ORIGINS: "https://other.example" },
        req("POST", {
          cookie: "s=1",
          origin: "https://other.example",
          "content-type": "application/json; charset=utf-8",
        }),
      ),
    ).toBeNull();
  });

  it("refuses a foreign origin, a browser's cross-site request without one, and non-JSON writes", () => {
    expect(crossSiteRefusal({}, req("GET", { cookie: "s=1", origin: "https://evil.example" }))).toMatch(
      /origin https:\/\/evil.example is not allowed/,
    );
    expect(crossSiteRefusal({}, req("GET", { cookie: "s=1", origin: "null" }))).toMatch(/not allowed/);
    expect(
      crossSiteRefusal(
        {},
        req("POST", { cookie: "s=1", "sec-fetch-site": "cross-site", "content-type": "application/json" }),
      ),
    ).toMatch(/cross-site/);
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP, "content-type": "text/plain" }))).toMatch(
      /application\/json/,
    );
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP }))).toMatch(/application\/json/);
  });

  it("leaves key-authenticated and cookie-less requests alone", () => {
    expect(
      crossSiteRefusal(
        {},
        req("POST", {
          "x-api-key": "ap_x",
          cookie: "s=1",
          origin: "https://evil.example",
          "content-type": "text/plain",
        }),
      ),
    ).toBeNull();
    expect(
      crossSiteRefusal({}, req("POST", { origin: "https://evil.example", "content-type": "text/plain" })),
    ).toBeNull();
    expect(crossSiteRefusal({}, req("DELETE", { cookie: "s=1", origin: APP }))).toBeNull();
  });
});

describe("the origin links in mail and push lead to", () => {
  const env = { APP_ORIGINS: "https://app.example, https://other.example/" };
  it("is the one a person uses when it is configured, else the first configured one, never the Host a request named", () => {
    expect(linkOrigin(env, "https://other.example")).toBe("https://other.example");
    expect(linkOrigin(env, "https://app.example/api/auth/verify-email?token=x")).toBe("https://app.example");
    expect(linkOrigin(env, "https://evil.example")).toBe("https://app.example");
    expect(linkOrigin(env, "http://app.example")).toBe("https://app.example");
    expect(linkOrigin(env, "")).toBe("https://app.example");
    expect(linkOrigin(env, "not a url")).toBe("https://app.example");
  });

  it("with nothing configured, is the request's own only on loopback (a local server)", () => {
    expect(linkOrigin({}, "http://127.0.0.1:8787/x")).toBe("http://127.0.0.1:8787");
    expect(linkOrigin({}, "http://localhost:8787")).toBe("http://localhost:8787");
    expect(linkOrigin({}, "http://[::1]:8787")).toBe("http://[::1]:8787");
    expect(linkOrigin({}, "https://evil.example")).toBeNull();
    expect(linkOrigin({ APP_ORIGINS: " , " }, "https://evil.example")).toBeNull();
    expect(() => requireLinkOrigin({}, "https://evil.example")).toThrow(/set APP_ORIGINS/);
  });
});

describe("the hosts a NIP-42 relay tag may name", () => {
  it("are the configured origins' and a loopback host the request was sent to, never another Host it carried", () => {
    const env = { APP_ORIGINS: "https://app.example, http://127.0.0.1:8787" };
    expect(ownHosts(env, "evil.example")).toEqual(["app.example", "127.0.0.1:8787"]);
    expect(ownHosts(env, "localhost:8787")).toEqual(["app.example", "127.0.0.1:8787", "localhost:8787"]);
    expect(ownHosts({}, "[::1]:8787")).toEqual(["[::1]:8787"]);
    expect(ownHosts({}, "app.example")).toEqual([]);
    expect(ownHosts({}, "localhost.evil.example")).toEqual([]);
  });
});
