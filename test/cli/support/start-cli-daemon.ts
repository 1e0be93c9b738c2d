import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../../support/daemon-process.js";
import { cleanEnv } from "./cli-env.js";

/** A daemon for CLI tests: the `shell` runtime runs the scripted fake agent, in a throwaway directory. */
export interface CliDaemon extends DaemonProcess {
  /** A directory of the test's own, for projects and files. */
  workDir: string;
  configFile: string;
  /** Starts the same daemon again (same state directory, config and port) after `stop()`. */
  restart(): Promise<CliDaemon>;
}

export async function startCliDaemon(options: { workDir?: string; port?: number; stateDir?: string } = {}): Promise<CliDaemon> {
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), "commander-cli-e2e-"));
  const configFile = join(workDir, "commander.json");
  const stateDir = options.stateDir ?? join(workDir, "state");
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(
    configFile,
    JSON.stringify({
      default_runtime: "shell",
      runtimes: { shell: { command: [process.execPath, join(REPO_ROOT, "test", "support", "fake-agent.mjs")] } },
    }),
  );
  const daemon = await startDaemon({
    stateDir,
    args: options.port === undefined ? [] : ["--port", String(options.port)],
    env: cleanEnv({ COMMANDER_CONFIG: configFile, COMMANDER_AGENT_ENV: "FAKE_AGENT_LOG", FAKE_AGENT_LOG: join(workDir, "agent.log") }),
  });
  return Object.assign(daemon, {
    workDir,
    configFile,
    restart: () => startCliDaemon({ workDir, port: daemon.port, stateDir }),
  });
}
