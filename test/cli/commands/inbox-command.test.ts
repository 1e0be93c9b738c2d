import { expect } from "chai";
import { waitFor } from "../../support/wait-for.js";
import { useCliFixture } from "../support/cli-fixture.js";

interface MessageJson {
  id: string;
  project_id: string;
  content: string;
  priority: string;
  state: string;
}

describe("commander inbox (against a real daemon)", function () {
  // Each step runs the CLI as a new process, which takes seconds on a busy machine.
  this.timeout(60_000);
  const f = useCliFixture();

  before(async () => {
    await f.cliJson(["projects", "add", f.newProjectDir("i"), "--id", "i", "--runtime", "shell"]);
  });

  it("sends a message to a project's agent", async () => {
    const result = await f.cli(["inbox", "send", "i", "Use", "pnpm,", "not", "npm"]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/^Sent msg-[0-9a-f]{12} to i\n$/);
  });

  it("sends a message with a priority, printing the REST JSON", async () => {
    const message = await f.cliJson<MessageJson>(["inbox", "send", "i", "Stop and run the tests", "--priority", "critical"]);
    expect(message).to.include({ project_id: "i", content: "Stop and run the tests", priority: "critical" });
    expect(message.state).to.be.oneOf(["pending", "delivered"]);
  });

  it("lists messages, most urgent first", async () => {
    const result = await f.cli(["inbox", "list", "--project", "i"]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).to.match(/^ID\s+PROJECT\s+PRIORITY\s+STATE\s+SENT\s+CONTENT$/);
    expect(lines[1]).to.match(/^msg-[0-9a-f]{12}  i\s+critical\s+(pending|delivered)\s+(just now|\d+s ago)\s+Stop and run the tests$/);
    expect(lines[2]).to.match(/^msg-[0-9a-f]{12}  i\s+normal\s+(pending|delivered)\s+(just now|\d+s ago)\s+Use pnpm, not npm$/);
  });

  it("pages and filters messages, printing the REST JSON", async () => {
    const page = await f.cliJson<{ messages: MessageJson[]; total: number }>(["inbox", "list", "--limit", "1"]);
    expect(page.total).to.equal(2);
    expect(page.messages).to.have.length(1);
    expect(page).to.deep.equal(await f.rest("/api/inbox?limit=1"));
    // The project's agent takes the messages at its next turn; then their state stays put.
    await waitFor(async () => (await f.rest<{ total: number }>("/api/inbox?state=delivered")).total === 2, { what: "delivery" });
    const normal = await f.cliJson<{ messages: MessageJson[] }>(["inbox", "list", "--priority", "normal", "--state", "delivered"]);
    expect(normal.messages.map((m) => m.content)).to.deep.equal(["Use pnpm, not npm"]);
  });

  it("says how many messages a page leaves out", async () => {
    const result = await f.cli(["inbox", "list", "--limit", "1"]);
    expect(result.stdout).to.match(/1 of 2 shown\n$/);
  });

  it("exits 1 with PROJECT_NOT_FOUND when sending to an unknown project", async () => {
    const result = await f.cli(["inbox", "send", "nope", "hello"]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal("error: project nope not found (PROJECT_NOT_FOUND)\n");
  });

  it("exits 2 for a bad --limit", async () => {
    const result = await f.cli(["inbox", "list", "--limit", "zero"]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain("expected a positive whole number");
  });
});
