import { expect } from "chai";
import { CommanderError } from "../../src/domain/commander-error.js";
import { registerProject } from "../../src/domain/project-rules.js";
import { createSession, moveSession, updateSession } from "../../src/domain/session-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

function setup() {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "shell" }));
  const session = fixture.run((ctx) => createSession(ctx, { projectId: project.id, runtime: "shell", agentSessionId: "a" }));
  return { ...fixture, session };
}

describe("session rules", () => {
  it("refuses a state in updateSession's patch: states change only through transitions", () => {
    const { run, state, session } = setup();
    expect(() => run((ctx) => updateSession(ctx, session.id, { state: "idle" } as never))).to.throw(/state cannot be patched/);
    expect(state.sessions.get(session.id)?.state).to.equal("stopped");
  });

  it("updates details without touching the state", () => {
    const { run, session } = setup();
    const updated = run((ctx) => updateSession(ctx, session.id, { stateReason: "why" }));
    expect(updated.state).to.equal("stopped");
    expect(updated.stateReason).to.equal("why");
  });

  it("moves through the table and names the current state when a move is illegal", () => {
    const { run, session } = setup();
    expect(run((ctx) => moveSession(ctx, session.id, "launch")).state).to.equal("starting");
    expect(() => run((ctx) => moveSession(ctx, session.id, "dispatch")))
      .to.throw(CommanderError)
      .with.property("message")
      .that.includes("is starting");
  });
});
