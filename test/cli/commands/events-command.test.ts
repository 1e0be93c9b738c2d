import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { waitFor } from "../../support/wait-for.js";
import { cleanEnv, commanderBin } from "../support/cli-env.js";
import { useCliFixture } from "../support/cli-fixture.js";
import { createPrivateTmux, type PrivateTmux } from "../support/private-tmux.js";

interface EventJson {
  id: string;
  project_id: string;
  type: string;
  status: string;
  title: string;
  options: string[];
  resolution: string | null;
}

// The describe blocks run in order against one agent (the scripted fake agent of the shell runtime),
// which asks one question at a time: each block leaves no question unanswered except the last ones.
describe("commander events (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();
  let tmux: PrivateTmux;

  /** Has the fake agent ask something (`ask-choice`, `ask-yn`) and waits for the event it raises. */
  async function raiseEvent(request: string): Promise<EventJson> {
    const before = new Set((await f.rest<{ events: EventJson[] }>("/api/events")).events.map((e) => e.id));
    expect((await f.cli(["work", "add", "ev", request])).code).to.equal(0);
    return waitFor(
      async () => (await f.rest<{ events: EventJson[] }>("/api/events/pending?project_id=ev")).events.find((e) => !before.has(e.id)),
      { timeoutMs: 20_000, what: `the event raised by ${request}` },
    ).catch(async (err: unknown) => {
      const work = await f.cli(["work", "list"]);
      const events = await f.cli(["events", "list", "--all"]);
      throw new Error(`${(err as Error).message}\n${work.stdout}\n${events.stdout}\n${f.daemon.output().slice(-3000)}`);
    });
  }

  /** Runs the CLI in a terminal of the private tmux server; the pane stays after it exits. */
  function runInTerminal(name: string, args: string[]): Promise<string> {
    const command = [process.execPath, commanderBin, "--url", f.daemon.url, ...args].map((a) => `'${a}'`).join(" ");
    return tmux.start(name, command, cleanEnv({ TERM: "xterm-256color" }));
  }

  before(async function () {
    this.timeout(90_000);
    tmux = createPrivateTmux();
    await f.cliJson(["projects", "add", f.newProjectDir("ev"), "--id", "ev"]);
  });

  after(async () => {
    await tmux.kill();
  });

  describe("with nothing pending", () => {
    it("says so", async () => {
      const result = await f.cli(["events", "list"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.equal("No pending events.\n");
    });
  });

  describe("with a question pending", () => {
    let question: EventJson;

    before(async function () {
      this.timeout(90_000);
      question = await raiseEvent("ask-choice");
    });

    it("lists pending events with their type, options and title", async () => {
      const result = await f.cli(["events", "list"]);
      expect(result.code, result.stderr).to.equal(0);
      const [header, row] = result.stdout.trimEnd().split("\n");
      expect(header).to.match(/^ID\s+PROJECT\s+TYPE\s+PRIORITY\s+RAISED\s+OPTIONS\s+TITLE$/);
      expect(row).to.match(
        new RegExp(`^${question.id}  ev\\s+decision_needed\\s+high\\s+(just now|\\d+s ago)\\s+Red/Blue\\s+Which option do you prefer\\?$`),
      );
    });

    it("lists pending events as the REST API does with --json", async () => {
      expect(await f.cliJson(["events", "list"])).to.deep.equal(await f.rest("/api/events/pending"));
      expect(await f.cliJson(["events", "list", "--project", "ev"])).to.deep.equal(await f.rest("/api/events/pending?project_id=ev"));
    });

    it("shows one event with its options", async () => {
      const result = await f.cli(["events", "show", question.id]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(/^Type:\s+decision_needed$/m);
      expect(result.stdout).to.match(/^Status:\s+pending$/m);
      expect(result.stdout).to.match(/^Options:\s+Red, Blue$/m);
      expect(await f.cliJson(["events", "show", question.id])).to.deep.equal(await f.rest(`/api/events/${question.id}`));
    });

    it("exits 2 and names the options when no answer is given outside a terminal", async () => {
      const result = await f.cli(["events", "resolve", question.id]);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.equal(
        "error: give the answer with --resolution <answer> (one of: Red, Blue), or run this in a terminal to choose\n",
      );
    });

    it("lets the user pick an option in a terminal (driven through tmux) and delivers it to the agent", async function () {
      this.timeout(90_000);
      const pane = await runInTerminal("resolve", ["events", "resolve", question.id]);
      const prompt = await tmux.waitForScreen(pane, /Choose 1-2: $/m);
      expect(prompt).to.contain("Which option do you prefer?");
      expect(prompt).to.match(/^ {2}1\) Red$/m);
      expect(prompt).to.match(/^ {2}2\) Blue$/m);
      await tmux.sendKeys(pane, "purple", "Enter");
      await tmux.waitForScreen(pane, /Answer with a number from 1 to 2 or one of: Red, Blue/);
      await tmux.sendKeys(pane, "2", "Enter");
      const done = await tmux.waitForScreen(pane, /\[exit status \d+\]/);
      expect(done).to.contain(`Resolved ${question.id} with "Blue"`);
      expect(done).to.match(/\[exit status 0\]/);
      expect(await f.rest(`/api/events/${question.id}`)).to.include({ status: "resolved", resolution: "Blue" });
      // The daemon typed the choice into the agent's pane.
      await waitFor(() => readFileSync(join(f.daemon.workDir, "agent.log"), "utf8").includes('{"line":"2","answering":"choice"}'), {
        what: "the agent to receive the answer",
      });
    });

    it("refuses to ask again for an event that is already resolved", async function () {
      this.timeout(90_000);
      const pane = await runInTerminal("again", ["events", "resolve", question.id]);
      const done = await tmux.waitForScreen(pane, /\[exit status \d+\]/);
      expect(done).to.contain(`error: event ${question.id} is already resolved with "Blue"`);
      expect(done).to.match(/\[exit status 1\]/);
    });
  });

  describe("answering from a flag", () => {
    it("takes the answer from --resolution, matching an option case-insensitively", async function () {
      this.timeout(90_000);
      const event = await raiseEvent("ask-yn");
      expect(event.options).to.deep.equal(["Yes", "No"]);
      const result = await f.cli(["events", "resolve", event.id, "--resolution", "yes"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout).to.match(new RegExp(`^Resolved ${event.id} with "Yes"(; the agent carries on)?\\n$`));
      // Resolving again answers with the event again, as the REST API does.
      const json = await f.cliJson<{ event: EventJson; status: string }>(["events", "resolve", event.id, "--resolution", "yes"]);
      expect(json.status).to.equal("resolved");
      expect(json.event.resolution).to.equal("Yes");
    });
  });

  describe("cancelling the prompt", () => {
    it("exits 130 when the user presses Ctrl+C at the prompt, leaving the event pending", async function () {
      this.timeout(90_000);
      const event = await raiseEvent("ask-choice");
      const pane = await runInTerminal("cancel", ["events", "resolve", event.id]);
      await tmux.waitForScreen(pane, /Choose 1-2: $/m);
      await tmux.sendKeys(pane, "C-c");
      await tmux.waitForScreen(pane, /\[exit status 130\]/);
      expect(await f.rest(`/api/events/${event.id}`)).to.include({ status: "pending" });
      // The daemon also takes an option's number; answering unblocks the agent for the next tests.
      const answered = await f.cli(["events", "resolve", event.id, "-r", "1"]);
      expect(answered.code, answered.stderr).to.equal(0);
      expect(answered.stdout).to.match(new RegExp(`^Resolved ${event.id} with "Red"`));
    });
  });

  describe("history", () => {
    it("lists events of any status with --all, filtered by type and status", async () => {
      const result = await f.cli(["events", "list", "--all"]);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout.split("\n")[0]).to.match(/^ID\s+PROJECT\s+TYPE\s+PRIORITY\s+STATUS\s+RAISED\s+OPTIONS\s+TITLE$/);
      expect(result.stdout).to.match(/decision_needed\s+high\s+resolved/);
      expect(result.stdout).to.match(/approval\s+high\s+resolved/);
      expect(await f.cliJson(["events", "list", "--all"])).to.deep.equal(await f.rest("/api/events"));
      const questions = await f.cliJson<{ events: EventJson[] }>(["events", "list", "--type", "decision_needed", "--status", "resolved"]);
      expect(questions.events).to.have.length(2);
      expect(questions.events.every((e) => e.type === "decision_needed" && e.status === "resolved")).to.equal(true);
    });
  });

  describe("dismissing", () => {
    it("closes a pending event without an answer", async function () {
      this.timeout(90_000);
      const event = await raiseEvent("ask-yn");
      const dismissed = await f.cli(["events", "dismiss", event.id]);
      expect(dismissed.code, dismissed.stderr).to.equal(0);
      expect(dismissed.stdout).to.equal(`Dismissed ${event.id}\n`);
      expect(await f.rest(`/api/events/${event.id}`)).to.include({ status: "dismissed" });
      const again = await f.cli(["events", "resolve", event.id, "-r", "yes"]);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/\(EVENT_STATE_CONFLICT\)\n$/);
    });
  });

  describe("errors", () => {
    it("exits 1 with EVENT_NOT_FOUND for an unknown event", async () => {
      const result = await f.cli(["events", "resolve", "event-000000000000", "--resolution", "allow"]);
      expect(result.code).to.equal(1);
      expect(result.stderr).to.equal("error: event event-000000000000 not found (EVENT_NOT_FOUND)\n");
    });
  });
});
