import { execFileSync } from "node:child_process";
import { readdirSync, readlinkSync, readFileSync } from "node:fs";
import { createPrivateTmux } from "./support/private-tmux.js";
import { cleanEnv, commanderBin } from "./support/cli-env.js";
describe("probe", () => {
  it("exit timing", async function () {
    this.timeout(300000);
    const tmux = createPrivateTmux();
    for (let i = 0; i < 12; i++) {
      const args = [process.execPath, commanderBin, "events", "resolve", "event-000000000000"].map((a) => `'${a}'`).join(" ");
      const pane = await tmux.start("p" + i, args, cleanEnv({ TERM: "xterm-256color", COMMANDER_STATE_DIR: "/tmp/cst/s4" }));
      const t0 = Date.now();
      await tmux.waitForScreen(pane, /EVENT_NOT_FOUND/, 60000);
      const t1 = Date.now();
      try {
        await tmux.waitForScreen(pane, /Pane is dead/, 8000);
        console.log("printed after", t1 - t0, "dead after", Date.now() - t1);
      } catch {
        const pid = execFileSync("tmux", ["-S", tmux.socket, "list-panes", "-t", "p" + i, "-F", "#{pane_pid}"]).toString().trim();
        console.log("HUNG pid", pid);
        console.log(execFileSync("ps", ["-L", "-o", "pid,tid,stat,wchan:30,comm", "-p", pid]).toString());
        for (const fd of readdirSync(`/proc/${pid}/fd`)) console.log(fd, readlinkSync(`/proc/${pid}/fd/${fd}`));
        console.log(readFileSync(`/proc/${pid}/status`, "utf8").split("\n").filter((l) => /Sig|State/.test(l)).join("\n"));
        const tty = execFileSync("tmux", ["-S", tmux.socket, "list-panes", "-t", "p" + i, "-F", "#{pane_tty}"]).toString().trim();
        console.log("tty", tty);
        for (const proc of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
          try {
            for (const fd of readdirSync(`/proc/${proc}/fd`)) if (readlinkSync(`/proc/${proc}/fd/${fd}`) === tty) console.log("holder", proc, fd, readFileSync(`/proc/${proc}/cmdline`, "utf8").replaceAll("\0", " "));
          } catch {}
        }
        await tmux.waitForScreen(pane, /Pane is dead/, 120000);
        console.log("eventually dead after", Date.now() - t1);
        break;
      }
    }
    await tmux.kill();
  });
});
