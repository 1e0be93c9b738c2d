import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PolicyAction } from "../../gen/es/commander/v1/project_pb.js";
import { ProjectService } from "../../gen/es/commander/v1/project_service_pb.js";
import { startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";

// Per-project agent settings (UpdateProject, AIP-134) and policy rules, over REST and over RPC, against a
// real daemon process. No agent starts: nothing here queues work.

describe("project settings and policy rules (REST and RPC)", function () {
  this.timeout(60_000);
  let daemon: DaemonProcess;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "commander-settings-"));
    daemon = await startDaemon();
  });

  after(async () => {
    await daemon?.stop();
    await daemon?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const register = async (name: string, extra: Record<string, unknown> = {}) => {
    const path = await mkdtemp(join(dir, `${name}-`));
    return rest(daemon.url, "POST", "/api/projects", { path, project_id: name, ...extra });
  };

  it("takes permission_mode and model at registration and shows them on the project", async () => {
    const response = await register("planner", { permission_mode: "plan", model: "claude-opus-4-5" });
    expect(response.status, response.text).to.equal(201);
    expect(response.body).to.include({ permission_mode: "plan", model: "claude-opus-4-5" });
    expect(response.body.policy).to.deep.equal({ rules: [] });
  });

  it("refuses an unknown permission mode at registration, naming the field", async () => {
    const response = await register("bad-mode", { permission_mode: "yolo" });
    expect(response.status).to.equal(400);
    expect(response.body.message).to.match(/^permission_mode: unknown permission mode "yolo"/);
  });

  it("changes settings with PATCH: the fields of update_mask, or those set without a mask", async () => {
    expect((await register("patched")).status).to.equal(201);
    const masked = await rest(daemon.url, "PATCH", "/api/projects/patched?update_mask=permission_mode", { permission_mode: "acceptEdits", model: "ignored" });
    expect(masked.status, masked.text).to.equal(200);
    expect(masked.body).to.include({ permission_mode: "acceptEdits", model: "" });
    const unmasked = await rest(daemon.url, "PATCH", "/api/projects/patched", { model: "sonnet" });
    expect(unmasked.body).to.include({ permission_mode: "acceptEdits", model: "sonnet" });
    // A mask naming a field with an empty value clears it (back to the daemon's default).
    const cleared = await rest(daemon.url, "PATCH", "/api/projects/patched?update_mask=permission_mode,model", {});
    expect(cleared.body).to.include({ permission_mode: "", model: "" });
    expect((await rest(daemon.url, "GET", "/api/projects/patched")).body).to.include({ permission_mode: "", model: "" });
  });

  it("takes a per-project permission-hook timeout at registration and with PATCH, 0 meaning the daemon's", async () => {
    const registered = await register("patient", { permission_timeout_seconds: 45 });
    expect(registered.status, registered.text).to.equal(201);
    expect(registered.body).to.include({ permission_timeout_seconds: 45 });
    const longer = await rest(daemon.url, "PATCH", "/api/projects/patient", { permission_timeout_seconds: 1200 });
    expect(longer.body).to.include({ permission_timeout_seconds: 1200, permission_mode: "" });
    const cleared = await rest(daemon.url, "PATCH", "/api/projects/patient?update_mask=permission_timeout_seconds", {});
    expect(cleared.body).to.include({ permission_timeout_seconds: 0 });
    const refused = await register("impatient", { permission_timeout_seconds: -5 });
    expect(refused.status).to.equal(400);
    expect(refused.body.message).to.match(/^permission_timeout_seconds: must be 0/);
  });

  const refusals: Array<[string, string, unknown, RegExp]> = [
    ["a mask path that cannot be changed", "/api/projects/patched?update_mask=state", { name: "x" }, /^update_mask: "state" cannot be changed/],
    ["a mask that names nothing and a body that sets nothing", "/api/projects/patched", {}, /^update_mask: names no field/],
    ["an unknown permission mode", "/api/projects/patched", { permission_mode: "everything" }, /^project\.permission_mode: unknown permission mode/],
    ["an empty name", "/api/projects/patched?update_mask=name", { name: " " }, /^project\.name: must not be empty/],
    ["a permission timeout over a day", "/api/projects/patched", { permission_timeout_seconds: 86_401 }, /^project\.permission_timeout_seconds: must be 0/],
  ];
  for (const [what, path, body, message] of refusals) {
    it(`refuses ${what} with 400 naming the field`, async () => {
      const response = await rest(daemon.url, "PATCH", path, body);
      expect(response.status, response.text).to.equal(400);
      expect(response.body.message).to.match(message);
    });
  }

  it("answers PATCH of an unknown project with 404", async () => {
    const response = await rest(daemon.url, "PATCH", "/api/projects/nope", { model: "sonnet" });
    expect(response.status).to.equal(404);
  });

  it("adds, lists and removes policy rules; adding one twice keeps one", async () => {
    expect((await register("ruled")).status).to.equal(201);
    const base = "/api/projects/ruled/policy/rules";
    expect((await rest(daemon.url, "POST", base, { rule: "Bash(npm test:*)", action: "allow" })).status).to.equal(201);
    await rest(daemon.url, "POST", base, { rule: "Bash(npm test:*)", action: "allow" });
    const added = await rest(daemon.url, "POST", base, { rule: "Bash(rm:*)", action: "deny" });
    expect(added.body.rules.map((rule: any) => [rule.rule, rule.action, rule.source])).to.deep.equal([
      ["Bash(npm test:*)", "allow", "api"],
      ["Bash(rm:*)", "deny", "api"],
    ]);
    expect((await rest(daemon.url, "GET", base)).body.rules).to.have.length(2);
    expect((await rest(daemon.url, "GET", "/api/projects/ruled")).body.policy.rules).to.have.length(2);

    const removed = await rest(daemon.url, "DELETE", `${base}?rule=${encodeURIComponent("Bash(rm:*)")}&action=deny`);
    expect(removed.status, removed.text).to.equal(200);
    expect(removed.body.rules.map((rule: any) => rule.rule)).to.deep.equal(["Bash(npm test:*)"]);
    const missing = await rest(daemon.url, "DELETE", `${base}?rule=${encodeURIComponent("Bash(rm:*)")}`);
    expect(missing.status).to.equal(404);
    expect(missing.body.details[0].reason).to.equal("POLICY_RULE_NOT_FOUND");
  });

  const badRules: Array<[unknown, RegExp]> = [
    [{ rule: "Bash(", action: "allow" }, /^rule: /],
    [{ rule: "", action: "deny" }, /^rule: must not be empty/],
    [{ rule: "Read" }, /^action: must be allow or deny/],
  ];
  for (const [body, message] of badRules) {
    it(`refuses the policy rule ${JSON.stringify(body)} with 400 naming the field`, async () => {
      const response = await rest(daemon.url, "POST", "/api/projects/ruled/policy/rules", body);
      expect(response.status, response.text).to.equal(400);
      expect(response.body.message).to.match(message);
    });
  }

  it("does the same over RPC (Connect)", async () => {
    const client = createClient(ProjectService, createConnectTransport({ baseUrl: daemon.url, httpVersion: "1.1" }));
    const path = await mkdtemp(join(dir, "rpc-"));
    await client.registerProject({ path, projectId: "rpc", permissionMode: "plan" });
    const { project } = await client.updateProject({ projectId: "rpc", project: { model: "haiku" }, updateMask: { paths: ["model"] } });
    expect(project).to.include({ permissionMode: "plan", model: "haiku" });
    const { rules } = await client.addPolicyRule({ projectId: "rpc", rule: "WebFetch(domain:example.com)", action: PolicyAction.ALLOW });
    expect(rules.map((rule) => rule.rule)).to.deep.equal(["WebFetch(domain:example.com)"]);
    expect((await client.listPolicyRules({ projectId: "rpc" })).rules).to.have.length(1);
    expect((await client.removePolicyRule({ projectId: "rpc", rule: "WebFetch(domain:example.com)" })).rules).to.deep.equal([]);
  });

  it("keeps settings and rules across a daemon restart", async () => {
    expect((await register("durable", { permission_mode: "plan", model: "opus" })).status).to.equal(201);
    await rest(daemon.url, "POST", "/api/projects/durable/policy/rules", { rule: "Edit(src/**)", action: "allow" });
    expect(await daemon.stop()).to.equal(0);
    const again = await startDaemon({ stateDir: daemon.stateDir });
    try {
      const project = (await rest(again.url, "GET", "/api/projects/durable")).body;
      expect(project).to.include({ permission_mode: "plan", model: "opus" });
      expect(project.policy.rules.map((rule: any) => [rule.rule, rule.action])).to.deep.equal([["Edit(src/**)", "allow"]]);
    } finally {
      await again.stop();
      await again.cleanup();
    }
  });
});
