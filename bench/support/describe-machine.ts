import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, tmpdir, type as osType } from "node:os";

export interface MachineDescription {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  node: string;
  tmux: string;
  /** The file system of the temporary directory, where the state directories are. */
  stateDisk: string;
  loadAverage: string;
}

export function describeMachine(): MachineDescription {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? "unknown",
    cores: cpuList.length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${osType()} ${release()}${distribution()}`,
    node: process.version,
    tmux: quiet(() => execFileSync("tmux", ["-V"], { encoding: "utf8" }).trim()),
    stateDisk: quiet(() => fileSystemOf(tmpdir())),
    loadAverage: loadavg().map((value) => value.toFixed(2)).join(", "),
  };
}

function distribution(): string {
  const text = quiet(() => readFileSync("/etc/os-release", "utf8"), "");
  const name = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
  return name ? ` (${name})` : "";
}

function fileSystemOf(path: string): string {
  const lines = execFileSync("df", ["-T", path], { encoding: "utf8" }).trim().split("\n");
  const [device, type] = lines[lines.length - 1]!.split(/\s+/);
  return `${type} on ${device} (${path})`;
}

function quiet(read: () => string, fallback = "unknown"): string {
  try {
    return read();
  } catch {
    return fallback;
  }
}
