import { describe, expect, it } from "vitest";
import { syncText } from "./Status";

describe("the sync indicator", () => {
  it("says where the user's changes are, and why they wait", () => {
    expect(syncText("live", true, true, 0)).toBe("Saved");
    expect(syncText("live", true, true, 2)).toBe("Saving…");
    expect(syncText("connecting", true, true, 1)).toBe("1 change waiting");
    expect(syncText("connecting", true, true, 3)).toBe("3 changes waiting");
    expect(syncText("connecting", true, false, 3)).toBe("Can't reach the server");
    expect(syncText("offline", true, true, 0)).toBe("Can't reach the server");
    expect(syncText("offline", false, false, 5)).toBe("Offline");
  });
});
