import { describe, expect, it } from "vitest";
import { appOrigins, crossSiteRefusal } from "../origin";

const APP = "https://app.example";
const req = (method: string, headers: Record<string, string>) => new Request(`${APP}/api/workspaces/w/keys`, { method, headers });

describe("cross-site refusal for cookie-authenticated requests", () => {
  it("accepts the request's own origin and configured ones", () => {
    expect(appOrigins({}, `${APP}/x`)).toEqual([APP]);
    expect(appOrigins({ APP_ORIGINS: "http://127.0.0.1:8787, http://localhost:8787/" }, `${APP}/x`)).toEqual([APP, "http://127.0.0.1:8787", "http://localhost:8787"]);
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP, "content-type": "application/json" }))).toBeNull();
    expect(crossSiteRefusal({ APP_ORIGINS: "https://other.example" }, req("POST", { cookie: "s=1", origin: "https://other.example", "content-type": "application/json; charset=utf-8" }))).toBeNull();
  });

  it("refuses a foreign origin, a browser's cross-site request without one, and non-JSON writes", () => {
    expect(crossSiteRefusal({}, req("GET", { cookie: "s=1", origin: "https://evil.example" }))).toMatch(/origin https:\/\/evil.example is not allowed/);
    expect(crossSiteRefusal({}, req("GET", { cookie: "s=1", origin: "null" }))).toMatch(/not allowed/);
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", "sec-fetch-site": "cross-site", "content-type": "application/json" }))).toMatch(/cross-site/);
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP, "content-type": "text/plain" }))).toMatch(/application\/json/);
    expect(crossSiteRefusal({}, req("POST", { cookie: "s=1", origin: APP }))).toMatch(/application\/json/);
  });

  it("leaves key-authenticated and cookie-less requests alone", () => {
    expect(crossSiteRefusal({}, req("POST", { "x-api-key": "ap_x", cookie: "s=1", origin: "https://evil.example", "content-type": "text/plain" }))).toBeNull();
    expect(crossSiteRefusal({}, req("POST", { origin: "https://evil.example", "content-type": "text/plain" }))).toBeNull();
    expect(crossSiteRefusal({}, req("DELETE", { cookie: "s=1", origin: APP }))).toBeNull();
  });
});
