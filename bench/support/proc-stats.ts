import { execFile, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

// CPU and memory of a process from /proc (Linux): user + system time in clock ticks, and the resident set.

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: fields are counted from the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clockTicks();
}

/** Resident memory, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** The highest resident memory the process has had so far (VmHWM), in bytes. */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export interface Usage {
  /** Average CPU over the window, in percent of one core. */
  cpuPercent: number;
  /** Resident memory at the end of the window. */
  rss: number;
}

/** Watches the processes for `seconds` and reports each one's CPU share and final memory. */
export async function measureUsage(pids: readonly number[], seconds: number): Promise<Usage[]> {
  const before = pids.map(cpuSeconds);
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - start) / 1000;
  return pids.map((pid, index) => ({ cpuPercent: ((cpuSeconds(pid) - before[index]!) / elapsed) * 100, rss: rssBytes(pid) }));
}

/** The pid of the tmux server listening on `socketPath`. */
export function tmuxServerPid(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile("tmux", ["-S", socketPath, "display-message", "-p", "#{pid}"], (error, stdout) =>
      error ? reject(error) : resolve(Number(stdout.trim())),
    ),
  );
}

/** The pids of the programs running in the server's panes. */
export function tmuxPanePids(socketPath: string): Promise<number[]> {
  return new Promise((resolve, reject) =>
    execFile("tmux", ["-S", socketPath, "list-panes", "-a", "-F", "#{pane_pid}"], (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim().split("\n").filter(Boolean).map(Number)),
    ),
  );
}
