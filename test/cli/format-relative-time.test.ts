import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { expect } from "chai";
import { formatClockTime, formatRelativeTime } from "../../src/cli/format-relative-time.js";

describe("formatRelativeTime", () => {
  const now = new Date("2026-01-10T12:00:00Z");
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  it("says just now for the last few seconds", () => {
    expect(formatRelativeTime(ago(2), now)).to.equal("just now");
  });

  it("uses the largest whole unit", () => {
    expect(formatRelativeTime(ago(42), now)).to.equal("42s ago");
    expect(formatRelativeTime(ago(3 * 60 + 20), now)).to.equal("3m ago");
    expect(formatRelativeTime(ago(5 * 3600), now)).to.equal("5h ago");
    expect(formatRelativeTime(ago(2 * 86400), now)).to.equal("2d ago");
  });

  it("accepts protobuf timestamps", () => {
    expect(formatRelativeTime(timestampFromDate(ago(180)), now)).to.equal("3m ago");
  });

  it("shows the date for times older than a month", () => {
    expect(formatRelativeTime(ago(40 * 86400), now)).to.equal("2025-12-01");
  });

  it("describes future times and missing ones", () => {
    expect(formatRelativeTime(ago(-120), now)).to.equal("in 2m");
    expect(formatRelativeTime(undefined, now)).to.equal("-");
  });

  it("formats clock times as HH:MM:SS", () => {
    expect(formatClockTime(new Date(2026, 0, 1, 9, 5, 7))).to.equal("09:05:07");
  });
});
