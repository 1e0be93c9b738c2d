import { expect } from "chai";
import { fileURLToPath } from "node:url";
import { createPaneWatcher, type PaneExit } from "../../../src/agents/tmux/pane-watcher.js";
import { nextEvent } from "../../support/next-event.js";
import { createTmuxSandbox, type TmuxSandbox } from "../../support/tmux-sandbox.js";
import { waitFor } from "../../support/wait-for.js";

const FAKE_AGENT = fileURLToPath(new URL("../../support/fake-agent.mjs", import.meta.url));

describe("pane watcher", () => {
  let sandbox: TmuxSandbox;

  beforeEach(async () => {
    sandbox = await createTmuxSandbox();
  });
  afterEach(async () => {
    await sandbox.cleanup();
  });

  it("emits program output as it is written, multi-byte characters intact", async () => {
    const { driver, watcher, dir } = sandbox;
    let output = "";
    watcher.on("output", (_paneId, data) => (output += data));
    const { paneId } = await driver.openWindow({ name: "echo", cwd: dir, command: ["sh", "-c", "read line; echo \"got: $line ✓ héllo\"; sleep 30"] });
    await watcher.watch(paneId);
    await driver.sendText(paneId, "ping");
    await driver.sendKeys(paneId, ["Enter"]);
    await waitFor(() => output.includes("got: ping ✓ héllo"), { what: "the echoed line" });
  });

  it("attaches one control client however many callers start it at once, and reads each output once", async () => {
    const { driver, dir, logger } = sandbox;
    const clients = async () => (await driver.run(["list-clients", "-F", "#{client_pid}"])).split("\n").filter(Boolean);
    const before = await clients(); // the sandbox's own watcher
    const second = createPaneWatcher({ driver, logger });
    try {
      await Promise.all([second.start(), second.start(), second.start()]);
      expect(await clients()).to.have.length(before.length + 1);
      let output = "";
      second.on("output", (_paneId, data) => (output += data));
      const { paneId } = await driver.openWindow({ name: "once", cwd: dir, command: ["sh", "-c", "echo marker-$((6*7)); sleep 30"] });
      await second.watch(paneId);
      await waitFor(() => output.includes("marker-42"), { what: "the marker" });
      await second.refresh(paneId); // a round trip through tmux: any duplicate would have arrived by now
      expect(output.split("marker-42")).to.have.length(2);
    } finally {
      await second.close();
    }
  });

  it("captures the screen after output and only then", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "screen", cwd: dir, command: ["sh", "-c", "read line; echo \"answer: $line\"; sleep 30"] });
    await watcher.watch(paneId);
    let captures = 0;
    const capture = driver.capture;
    driver.capture = (...args) => (captures++, capture(...args));
    // Nothing is written while the program waits: no capture may happen in this window.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(captures).to.equal(0);
    const screen = nextEvent<[string, string]>(watcher, "screen", (id, text) => id === paneId && text.includes("answer: 42"));
    await driver.sendText(paneId, "42");
    await driver.sendKeys(paneId, ["Enter"]);
    await screen;
    expect(watcher.screen(paneId)).to.contain("answer: 42");
    expect(captures).to.be.within(1, 3);
  });

  it("stops capturing a pane's screen when told to, and still reports its output and its exit", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "quiet", cwd: dir, command: ["sh", "-c", "read line; echo \"said: $line\"; read line; exit 3"] });
    await watcher.watch(paneId);
    watcher.readScreens(paneId, false);
    let captures = 0;
    const capture = driver.capture;
    driver.capture = (...args) => (captures++, capture(...args));
    let output = "";
    watcher.on("output", (id, data) => id === paneId && (output += data));
    await driver.sendText(paneId, "hello");
    await driver.sendKeys(paneId, ["Enter"]);
    await waitFor(() => output.includes("said: hello"), { what: "the output" });
    expect(captures).to.equal(0);
    const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
    await driver.sendKeys(paneId, ["Enter"]);
    expect((await exited)[0].exitStatus).to.equal(3);
  });

  it("notices at once that a program exited, with its status and final screen", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "exit", cwd: dir, command: ["sh", "-c", "read line; exit 5"] });
    await watcher.watch(paneId);
    const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
    const sentAt = Date.now();
    await driver.sendKeys(paneId, ["Enter"]);
    const [exit] = await exited;
    // Event-driven: well within the watcher's one-second backup check even on a loaded machine, where a
    // poller on a multi-second timer would not be.
    expect(Date.now() - sentAt).to.be.below(2500);
    expect(exit).to.deep.equal({ paneId, inspectable: true, exitStatus: 5, exitSignal: null });
    expect(watcher.screen(paneId)).to.contain("Pane is dead (status 5");
  });

  it("reports the exit status of every program, also when tmux forgot to reap it", async () => {
    // tmux 3.3a leaves about one in five of these exits a zombie with no status until it is nudged;
    // one at a time, so that no other exit does the nudging.
    const { driver, watcher, dir } = sandbox;
    const statuses: Array<number | null> = [];
    for (let i = 0; i < 8; i++) {
      const { paneId } = await driver.openWindow({ name: `agent-${i}`, cwd: dir, command: [process.execPath, FAKE_AGENT] });
      await watcher.watch(paneId);
      await waitFor(() => watcher.screen(paneId)?.includes("fake-agent>"), { what: `the prompt in ${paneId}` });
      const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
      await driver.sendText(paneId, "exit 3");
      await driver.sendKeys(paneId, ["Enter"]);
      statuses.push((await exited)[0].exitStatus);
    }
    expect(statuses).to.deep.equal([3, 3, 3, 3, 3, 3, 3, 3]);
  });

  it("notices a pane whose window was killed", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "killed", cwd: dir, command: ["sleep", "30"] });
    await watcher.watch(paneId);
    const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
    await driver.killWindow(paneId);
    const [exit] = await exited;
    expect(exit.inspectable).to.equal(false);
  });

  it("reports a program that exited before the pane was watched", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "early", cwd: dir, command: ["sh", "-c", "exit 2"] });
    await waitFor(async () => (await driver.paneStatus(paneId))?.alive === false, { what: "the pane to die" });
    const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
    await watcher.watch(paneId);
    const [exit] = await exited;
    expect(exit).to.deep.equal({ paneId, inspectable: true, exitStatus: 2, exitSignal: null });
  });

  it("reports every watched pane gone and closes when the server is killed", async () => {
    const { driver, watcher, dir } = sandbox;
    const { paneId } = await driver.openWindow({ name: "server", cwd: dir, command: ["sleep", "30"] });
    await watcher.watch(paneId);
    const exited = nextEvent<[PaneExit]>(watcher, "exited", (exit) => exit.paneId === paneId);
    const closed = nextEvent(watcher, "closed");
    await driver.killServer();
    expect((await exited)[0].inspectable).to.equal(false);
    await closed;
  });
});
