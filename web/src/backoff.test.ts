import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const opts = { base: 100, cap: 1000 };

  it("draws from [0, base·2ⁿ) with full jitter", () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(0);
    expect(backoffDelay(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(1, opts, () => 0.5)).toBe(100);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
  });

  it("never exceeds the cap, however many attempts", () => {
    expect(backoffDelay(4, opts, () => 0.999)).toBe(999);
    expect(backoffDelay(1000, opts, () => 0.999)).toBe(999);
  });

  it("spreads clients out instead of retrying in step", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, opts)));
    expect(delays.size).toBeGreaterThan(25);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1000);
    }
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-3, opts, () => 0.5)).toBe(50);
  });
});
