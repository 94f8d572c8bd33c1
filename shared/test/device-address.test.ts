import { describe, expect, it } from "vitest";
import { DEVICE_CLIENT_ADDRESS, deviceForwardedFor } from "../runtime/requests";

describe("deviceForwardedFor", () => {
  it("passes a public address on and turns anything else into the documentation address", () => {
    for (const address of ["8.8.4.4", "1.1.1.1", "2a00:1450:4001:81b::200e", "2606:4700::1111"])
      expect(deviceForwardedFor(address), address).toBe(address);
    const replaced = [
      null,
      undefined,
      "",
      "127.0.0.1",
      "10.0.0.5",
      "172.16.3.4",
      "192.168.1.9",
      "100.64.0.1",
      "169.254.1.1",
      "0.0.0.0",
      "224.0.0.1",
      "192.0.2.9",
      "198.51.100.1",
      "203.0.113.7",
    ];
    for (const address of [
      ...replaced,
      "::1",
      "fe80::1",
      "fd00::1",
      "2001:db8::1",
      "::ffff:10.0.0.1",
      "8.8.8.8, 10.0.0.1",
      "999.1.1.1",
      "8.8.8",
      "evil\r\nx-forwarded-for: 127.0.0.1",
    ]) {
      expect(deviceForwardedFor(address), String(address)).toBe(DEVICE_CLIENT_ADDRESS);
    }
  });
});
