import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

const units: Array<[limitSeconds: number, seconds: number, suffix: string]> = [
  [60, 1, "s"],
  [3600, 60, "m"],
  [86400, 3600, "h"],
  [86400 * 30, 86400, "d"],
];

/** "just now", "42s ago", "3m ago", "5h ago", "2d ago"; older than a month: the date. Future: "in 3m". */
export function formatRelativeTime(time: Date | Timestamp | undefined, now: Date): string {
  if (time === undefined) return "-";
  const date = time instanceof Date ? time : timestampDate(time);
  const deltaSeconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const magnitude = Math.abs(deltaSeconds);
  if (magnitude < 5) return "just now";
  for (const [limit, seconds, suffix] of units) {
    if (magnitude < limit) {
      const amount = `${Math.floor(magnitude / seconds)}${suffix}`;
      return deltaSeconds >= 0 ? `${amount} ago` : `in ${amount}`;
    }
  }
  return date.toISOString().slice(0, 10);
}

/** The local wall-clock time, HH:MM:SS, for lines of a live view. */
export function formatClockTime(time: Date | Timestamp | undefined): string {
  if (time === undefined) return "--:--:--";
  const date = time instanceof Date ? time : timestampDate(time);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}
