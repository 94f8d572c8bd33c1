import { describe, expect, it } from "vitest";
import { endpointRefusal, keysRefusal, payloadFor, pushConfig } from "./push";

// What the room lets a push subscription aim it at (docs/inbox.md "Web Push"): the browser
// vendors' push services only, over https on the default port; a test's stand-in only
// when PUSH_TEST_ENDPOINT_HOST names it. (The sending itself is tested end to end in
// client/test/e2e-web-push.test.ts.)

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const point = new Uint8Array(65).fill(7);
point[0] = 4;

describe("Web Push subscriptions the room accepts", () => {
  it("accepts the vendors' push services", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/abc:def",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
      "https://web.push.apple.com/QGx",
      "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    ])
      expect(endpointRefusal(endpoint, null), endpoint).toBeNull();
  });

  it("refuses anything else, naming why", () => {
    expect(endpointRefusal("http://fcm.googleapis.com/fcm/send/x", null)).toBe("endpoint_not_https");
    expect(endpointRefusal("https://fcm.googleapis.com:8443/fcm/send/x", null)).toBe("endpoint_host_not_allowed");
    expect(endpointRefusal("https://user:pw@fcm.googleapis.com/x", null)).toBe("endpoint_invalid");
    expect(endpointRefusal("https://push.apple.com.evil.example/x", null)).toBe("endpoint_host_not_allowed");
    expect(endpointRefusal("https://evilpush.apple.com/x", null)).toBe("endpoint_host_not_allowed");
    expect(endpointRefusal("https://127.0.0.1/x", null)).toBe("endpoint_host_not_allowed");
    expect(endpointRefusal("https://[::1]/x", null)).toBe("endpoint_host_not_allowed");
    expect(endpointRefusal("file:///etc/passwd", null)).toBe("endpoint_not_https");
    expect(endpointRefusal("not a url", null)).toBe("endpoint_invalid");
  });

  it("lets a test's stand-in through only at the host and port it names", () => {
    expect(endpointRefusal("http://127.0.0.1:4567/push/a", "127.0.0.1:4567")).toBeNull();
    expect(endpointRefusal("http://127.0.0.1:4568/push/a", "127.0.0.1:4567")).toBe("endpoint_not_https");
    expect(endpointRefusal("https://127.0.0.1:4568/push/a", "127.0.0.1:4567")).toBe("endpoint_host_not_allowed");
  });

  it("holds the keys to a P-256 point and a 16-byte secret", () => {
    expect(keysRefusal({ p256dh: b64url(point), auth: b64url(new Uint8Array(16)) })).toBeNull();
    expect(keysRefusal({ p256dh: b64url(point.slice(0, 33)), auth: b64url(new Uint8Array(16)) })).toBe(
      "p256dh_invalid",
    );
    expect(keysRefusal({ p256dh: b64url(new Uint8Array(65)), auth: b64url(new Uint8Array(16)) })).toBe(
      "p256dh_invalid",
    );
    expect(keysRefusal({ p256dh: "not base64!", auth: b64url(new Uint8Array(16)) })).toBe("p256dh_invalid");
    expect(keysRefusal({ p256dh: b64url(point), auth: b64url(new Uint8Array(32)) })).toBe("auth_invalid");
  });

  it("is off without all three VAPID settings", () => {
    expect(pushConfig({ VAPID_PUBLIC_KEY: "p", VAPID_PRIVATE_KEY: "k" })).toBeNull();
    expect(
      pushConfig({ VAPID_PUBLIC_KEY: "p", VAPID_PRIVATE_KEY: "k", VAPID_SUBJECT: "mailto:ops@example.test" }),
    ).toMatchObject({ publicKey: "p", testHost: null });
  });

  it("carries plain text and the item's deep link, bounded", () => {
    const payload = payloadFor(
      { kind: "approval", title: "Deploy", detail: "x".repeat(5000), target: { kind: "approval", approvalId: "ap_1" } },
      "https://app.example.test",
      "ws_1",
    );
    expect(payload.title).toBe("An approval is waiting for you");
    expect(payload.body.length).toBeLessThanOrEqual(800);
    expect(payload.url).toBe("https://app.example.test/?w=ws_1&approval=ap_1");
  });
});
