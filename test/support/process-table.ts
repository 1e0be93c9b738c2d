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

/** `roots` and every process below them, as far as their parents still link them. */
export function withDescendants(roots: ProcessInfo[], table: ProcessInfo[] = listProcesses()): ProcessInfo[] {
  const found = new Map(roots.map((info) => [info.pid, info]));
  let grew = true;
  while (grew) {
    grew = false;
    for (const info of table) {
      if (!found.has(info.pid) && found.has(info.ppid)) {
        found.set(info.pid, info);
        grew = true;
      }
    }
  }
  return [...found.values()];
}

/**
 * Kills (SIGKILL) every process whose command line mentions `text`, with everything below it, and waits
 * until none runs. Returns what it killed.
 */
export async function killProcessesMentioning(text: string, timeoutMs = 10_000): Promise<ProcessInfo[]> {
  const targets = withDescendants(processesMentioning(text)).filter((info) => info.pid !== process.pid);
  for (const target of targets) {
    try {
      process.kill(target.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  const pids = new Set(targets.map((target) => target.pid));
  while (listProcesses().some((info) => pids.has(info.pid))) {
    if (Date.now() > deadline) throw new Error(`processes still running after SIGKILL: ${[...pids].join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return targets;
}
