import { expect } from "chai";
import { closeAgentFailure, failureReason, recordAgentFailure, screenClue } from "../../src/domain/agent-failure-rules.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { createSession } from "../../src/domain/session-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

function setup() {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "shell" }));
  const session = fixture.run((ctx) => createSession(ctx, { projectId: project.id, runtime: "shell", agentSessionId: "a" }));
  const failure = (screen: string) => ({
    projectId: project.id,
    sessionId: session.id,
    runtime: "shell",
    status: "status 1",
    exitStatus: 1,
    exitSignal: null,
    screen,
  });
  return { ...fixture, project, session, failure };
}

const SCREEN = "connecting\n\nerror: unreachable\n\n\n\n\nPane is dead (status 1, Sun Dec  6 22:00:00 2026)\n\n\n";

describe("agent failure rules", () => {
  it("keeps the last non-blank lines of the screen, without tmux's dead-pane notice", () => {
    expect(screenClue(SCREEN)).to.deep.equal(["connecting", "error: unreachable"]);
    expect(screenClue("a\nb\nc", 2)).to.deep.equal(["b", "c"]);
    expect(screenClue("bell\x07 here")).to.deep.equal(["bell here"]);
  });

  it("names the exit status and the last line in the session's reason", () => {
    const { failure } = setup();
    expect(failureReason(failure(SCREEN))).to.equal("the agent exited unexpectedly (status 1); last output: error: unreachable");
    expect(failureReason(failure("\n\n"))).to.equal("the agent exited unexpectedly (status 1); it printed nothing");
  });

  it("keeps one open instance_error per session, updated with a count", () => {
    const { run, state, failure } = setup();
    const first = run((ctx) => recordAgentFailure(ctx, failure(SCREEN)));
    expect(first.content).to.include("Exit: status 1").and.include("error: unreachable").and.not.include("Pane is dead");
    expect(first.context.count).to.equal(1);
    const second = run((ctx) => recordAgentFailure(ctx, failure("other\n")));
    expect(second.id).to.equal(first.id);
    expect(second.context.count).to.equal(2);
    expect(second.title).to.include("2 times");
    expect(second.content).to.include("other");
    expect([...state.events.values()].filter((event) => event.type === "instance_error")).to.have.length(1);
  });

  it("closes the open instance_error when the session is ready again; the next failure opens a new one", () => {
    const { run, state, failure, session } = setup();
    const first = run((ctx) => recordAgentFailure(ctx, failure(SCREEN)));
    run((ctx) => closeAgentFailure(ctx, session.id));
    expect(state.events.get(first.id)?.status).to.equal("resolved");
    const next = run((ctx) => recordAgentFailure(ctx, failure(SCREEN)));
    expect(next.id).to.not.equal(first.id);
    expect(next.context.count).to.equal(1);
  });
});
