import { describe, expect, it } from "vitest";
import { addressBucket } from "../rate-limits";

describe("addressBucket", () => {
  it("an IPv4 address is its own bucket; an IPv6 one counts by its /64, however it is written", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket(null)).toBe("unknown");
    const same = ["2001:db8:aa:bb::1", "2001:0db8:00aa:00bb:ffff:1:2:3", "2001:DB8:AA:BB:0:0:0:9"];
    for (const address of same) expect(addressBucket(address), address).toBe("2001:db8:aa:bb::/64");
    expect(addressBucket("2001:db8:aa:bc::1")).toBe("2001:db8:aa:bc::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("2001:db8::")).toBe("2001:db8:0:0::/64");
  });
});
