import { expect } from "chai";
import { decideAgentStart, RESTART_BACKOFF_MS } from "../../src/domain/agent-start-rules.js";
import { sendMessage } from "../../src/domain/inbox-rules.js";
import { pauseProject, registerProject } from "../../src/domain/project-rules.js";
import { addWork, startWork } from "../../src/domain/work-rules.js";
import { createDomainFixture } from "./domain-fixture.js";

function setup() {
  const fixture = createDomainFixture();
  const project = fixture.run((ctx) => registerProject(ctx, { resolvedPath: "/p", name: "", projectId: "", runtime: "shell" }));
  return { ...fixture, projectId: project.id };
}

describe("agent start rules (auto-execution)", () => {
  it("starts an agent for runnable work", () => {
    const t = setup();
    t.run((ctx) => addWork(ctx, { projectId: t.projectId, content: "x", priority: null, dependsOn: [] }));
    expect(decideAgentStart(t.state, t.projectId, undefined, 0)).to.deep.equal({ start: true });
  });

  it("starts an agent for an undelivered message", () => {
    const t = setup();
    t.run((ctx) => sendMessage(ctx, { projectId: t.projectId, content: "hi", priority: null, sessionId: "" }));
    expect(decideAgentStart(t.state, t.projectId, undefined, 0)).to.deep.equal({ start: true });
  });

  it("starts nothing without runnable work, for a paused project or an unknown one", () => {
    const t = setup();
    expect(decideAgentStart(t.state, t.projectId, undefined, 0)).to.deep.equal({ start: false, retryInMs: null });
    const item = t.run((ctx) => addWork(ctx, { projectId: t.projectId, content: "x", priority: null, dependsOn: [] }));
    t.run((ctx) => startWork(ctx, item.id));
    expect(decideAgentStart(t.state, t.projectId, undefined, 0)).to.deep.equal({ start: false, retryInMs: null });
    t.run((ctx) => addWork(ctx, { projectId: t.projectId, content: "y", priority: null, dependsOn: [] }));
    t.run((ctx) => pauseProject(ctx, t.projectId, ""));
    expect(decideAgentStart(t.state, t.projectId, undefined, 0)).to.deep.equal({ start: false, retryInMs: null });
    expect(decideAgentStart(t.state, "project-unknown", undefined, 0)).to.deep.equal({ start: false, retryInMs: null });
  });

  it("waits out the restart back-off after a failure, then starts", () => {
    const t = setup();
    t.run((ctx) => addWork(ctx, { projectId: t.projectId, content: "x", priority: null, dependsOn: [] }));
    expect(decideAgentStart(t.state, t.projectId, 10_000, 11_000)).to.deep.equal({ start: false, retryInMs: RESTART_BACKOFF_MS - 1000 });
    expect(decideAgentStart(t.state, t.projectId, 10_000, 10_000 + RESTART_BACKOFF_MS)).to.deep.equal({ start: true });
  });
});
