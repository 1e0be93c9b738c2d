import { readdirSync, readFileSync } from "node:fs";

export interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

/** The running processes (zombies excluded: they hold nothing but their pid), read from /proc. */
export function listProcesses(): ProcessInfo[] {
  const processes: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] === "Z" || fields[0] === "X") continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      processes.push({ pid: Number(entry), ppid: Number(fields[1]), command });
    } catch {
      // It exited while being read.
    }
  }
  return processes;
}

/** The running processes whose command line mentions `text` (a temporary directory, say). */
export function processesMentioning(text: string): ProcessInfo[] {
  return listProcesses().filter((info) => info.pid !== process.pid && info.command.includes(text));
}
