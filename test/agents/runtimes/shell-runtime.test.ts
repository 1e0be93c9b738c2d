import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { attachAgentPane, type AgentPane } from "../../../src/agents/attach-agent-pane.js";
import { createShellRuntime } from "../../../src/agents/runtimes/shell.js";
import type { ScreenPrompt } from "../../../src/agents/screen/screen-prompt.js";
import type { PaneExit } from "../../../src/agents/tmux/pane-watcher.js";
import { nextEvent } from "../../support/next-event.js";
import { createTmuxSandbox, type TmuxSandbox } from "../../support/tmux-sandbox.js";
import { untilState } from "../../support/until-state.js";
import { waitFor } from "../../support/wait-for.js";

const FAKE_AGENT = fileURLToPath(new URL("../../support/fake-agent.mjs", import.meta.url));

const runtime = createShellRuntime({
  command: [process.execPath, FAKE_AGENT],
  readyPattern: "fake-agent> $",
  busyPattern: "esc to interrupt",
  errorPattern: "^Error: ",
});

describe("shell runtime with the fake agent", () => {
  let sandbox: TmuxSandbox;
  let pane: AgentPane;
  let received: string;

  beforeEach(async () => {
    sandbox = await createTmuxSandbox();
    received = join(sandbox.dir, "received.jsonl");
    const { paneId } = await sandbox.driver.openWindow({
      name: "fake",
      cwd: sandbox.dir,
      command: runtime.command,
      env: { FAKE_AGENT_LOG: received },
    });
    pane = await attachAgentPane({ ...sandbox, runtime, paneId });
    await untilState(pane, "ready");
  });
  afterEach(async () => {
    pane.detach();
    await sandbox.cleanup();
  });

  const lines = async () =>
    (await readFile(received, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { line: string; answering: string | null });

  it("submits a prompt that reaches the agent exactly as written", async () => {
    const text = `fix "the bug" in $(whoami)'s code; Enter C-c`;
    await pane.submit(text);
    await waitFor(async () => (await lines()).length === 1, { what: "the line to arrive" });
    expect(await lines()).to.deep.equal([{ line: text, answering: null }]);
    await waitFor(() => pane.screen()?.includes(`done: ${text}`), { what: "the agent's answer" });
    await untilState(pane, "ready");
  });

  it("raises a numbered question once, answers it by keys, and raises it again when asked again", async () => {
    const prompts: ScreenPrompt[] = [];
    pane.on("prompt", (prompt) => prompts.push(prompt));
    const asked = nextEvent<[ScreenPrompt]>(pane, "prompt");
    await pane.submit("please ask-choice");
    const [prompt] = await asked;
    expect(prompt.question).to.equal("Which option do you prefer?");
    expect(prompt.options.map((option) => [option.label, option.keys])).to.deep.equal([
      ["Red", ["1", "Enter"]],
      ["Blue", ["2", "Enter"]],
    ]);
    expect(pane.reading.state).to.equal("asking");
    await pane.answer(prompt, 1);
    await waitFor(() => pane.screen()?.includes("chose: Blue"), { what: "the choice to land" });
    await untilState(pane, "ready");
    expect((await lines()).at(-1)).to.deep.equal({ line: "2", answering: "choice" });

    const again = nextEvent<[ScreenPrompt]>(pane, "prompt");
    await pane.submit("ask-choice");
    await again;
    expect(prompts).to.have.length(2);
  });

  it("raises a yes/no question and answers it", async () => {
    const asked = nextEvent<[ScreenPrompt]>(pane, "prompt");
    await pane.submit("ask-yn");
    const [prompt] = await asked;
    expect(prompt).to.deep.include({ kind: "yes-no", question: "Proceed? (y/n)" });
    await pane.answer(prompt, 0);
    await waitFor(() => pane.screen()?.includes("proceeding"), { what: "the answer to land" });
    expect((await lines()).at(-1)).to.deep.equal({ line: "y", answering: "yn" });
  });

  it("reports an error line once", async () => {
    const errors: string[] = [];
    pane.on("screen-error", (line) => errors.push(line));
    const failed = nextEvent(pane, "screen-error");
    await pane.submit("fail");
    await failed;
    await pane.submit("ok");
    await waitFor(() => pane.screen()?.includes("done: ok"), { what: "the next answer" });
    expect(errors).to.deep.equal(["Error: something broke"]);
  });

  it("goes busy while the agent works and ready when it is done", async () => {
    const busy = untilState(pane, "busy");
    await pane.submit("slow 400");
    await busy;
    await untilState(pane, "ready");
    expect(pane.screen()).to.contain("done: slow");
  });

  it("reports the agent's exit with its status", async () => {
    const exited = nextEvent<[PaneExit]>(pane, "exited");
    await pane.submit("exit 3");
    const [exit] = await exited;
    expect(exit).to.include({ inspectable: true, exitStatus: 3 });
  });
});
