import { spawn, type ChildProcess } from "node:child_process";
import { REPO_ROOT } from "./bench-daemon.js";

export interface HelperProcess {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a baseline server (`node <args>`) and waits for its "listening <port>" line. */
export async function startHelper(args: string[], timeoutMs = 30_000): Promise<HelperProcess> {
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stdout!.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited:\n${output}`));
    });
  });
  return {
    port,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}
