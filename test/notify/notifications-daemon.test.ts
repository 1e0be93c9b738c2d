// Notifications end to end: the real daemon process, its REST API and real HTTP receivers.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT, startDaemon, type DaemonProcess } from "../support/daemon-process.js";
import { rest } from "../support/rest-client.js";
import { waitFor } from "../support/wait-for.js";
import { startReceiver, type WebhookReceiver } from "./support/webhook-receiver.js";

const TOKEN = "notify-tests-token-0123456789abcdef";
const AUTH = { authorization: `Bearer ${TOKEN}` };
const FAST_OPTIONS = { initial_backoff: 0.05, max_backoff: 0.2, poll_interval: 0.02, coalesce: 0.05, attempt_timeout: 2 };

describe("notifications (real daemon)", function () {
  this.timeout(60_000);
  let scratch: string;
  const daemons: DaemonProcess[] = [];
  const receivers: WebhookReceiver[] = [];

  beforeEach(async function () {
    scratch = await mkdtemp(join(tmpdir(), "commander-notify-e2e-"));
  });
  afterEach(async function () {
    for (const daemon of daemons.splice(0)) {
      await daemon.stop().catch(() => undefined);
      await daemon.cleanup();
    }
    for (const receiver of receivers.splice(0)) await receiver.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function daemon(stateDir: string, env: Record<string, string> = {}, options: Record<string, unknown> = {}): Promise<DaemonProcess> {
    const started = await startDaemon({
      stateDir,
      env: {
        COMMANDER_TOKEN: TOKEN,
        COMMANDER_DEFAULT_RUNTIME: "shell",
        COMMANDER_RUNTIMES: JSON.stringify({ shell: { command: [process.execPath, join(REPO_ROOT, "test/support/fake-agent.mjs")] } }),
        COMMANDER_NOTIFICATION_OPTIONS: JSON.stringify({ ...FAST_OPTIONS, ...options }),
        ...env,
      },
    });
    daemons.push(started);
    return started;
  }

  async function receiver(options: Parameters<typeof startReceiver>[0] = {}): Promise<WebhookReceiver> {
    const started = await startReceiver(options);
    receivers.push(started);
    return started;
  }

  let projects = 0;
  async function project(url: string, paused = false): Promise<string> {
    const path = await mkdtemp(join(scratch, `project-${++projects}-`));
    const res = await rest(url, "POST", "/api/projects", { path, name: `p${projects}` }, AUTH);
    expect(res.status, res.text).to.equal(201);
    if (paused) expect((await rest(url, "POST", `/api/projects/${res.body.id}/pause`, {}, AUTH)).status).to.equal(200);
    return res.body.id;
  }

  async function work(url: string, projectId: string, content: string): Promise<string> {
    const res = await rest(url, "POST", "/api/work", { project_id: projectId, content }, AUTH);
    expect(res.status, res.text).to.equal(201);
    return res.body.id;
  }

  const workState = async (url: string, id: string) => (await rest(url, "GET", `/api/work/${id}`, undefined, AUTH)).body.state;

  it("keeps targets added through the API across a restart, never returns secrets, and refuses bad ones naming the field", async function () {
    const hook = await receiver();
    const stateDir = join(scratch, "state");
    const config = [{ name: "from-config", url: `${hook.url}/config` }];
    let d = await daemon(stateDir, { COMMANDER_NOTIFICATIONS: JSON.stringify(config) });
    const added = await rest(d.url, "POST", "/api/notifications/targets", { name: "phone", url: `${hook.url}/phone/abc`, secret: "hush", on: ["needs_input"] }, AUTH);
    expect(added.status, added.text).to.equal(201);
    expect(added.body.target).to.deep.include({ name: "phone", format: "json", has_secret: true, source: "api" });
    expect(added.text).not.to.include("hush");
    const duplicate = await rest(d.url, "POST", "/api/notifications/targets", { name: "phone", url: hook.url }, AUTH);
    expect(duplicate.status).to.equal(409);
    const bad = await rest(d.url, "POST", "/api/notifications/targets", { name: "x", url: "ftp://nowhere" }, AUTH);
    expect(bad.status).to.equal(400);
    expect(bad.body.message).to.match(/^url: /);
    const tested = await rest(d.url, "POST", "/api/notifications/targets/phone/test", {}, AUTH);
    expect(tested.body).to.deep.include({ delivered: true, http_status: 200 });
    expect(hook.requests.at(-1)!.path).to.equal("/phone/abc");
    expect(hook.requests.at(-1)!.json).to.deep.include({ test: true, title: "Commander: test notification" });

    await d.stop();
    d = await daemon(stateDir, { COMMANDER_NOTIFICATIONS: JSON.stringify(config) });
    const listed = await rest(d.url, "GET", "/api/notifications/targets", undefined, AUTH);
    expect(listed.body.targets.map((target: { name: string; source: string }) => `${target.name}:${target.source}`)).to.deep.equal(["from-config:config", "phone:api"]);
    expect(listed.text).not.to.include("hush");
    expect((await rest(d.url, "DELETE", "/api/notifications/targets/from-config", undefined, AUTH)).status).to.equal(400);
    expect((await rest(d.url, "DELETE", "/api/notifications/targets/phone", undefined, AUTH)).status).to.equal(200);
    expect((await rest(d.url, "DELETE", "/api/notifications/targets/phone", undefined, AUTH)).status).to.equal(404);
    expect((await rest(d.url, "GET", "/api/notifications/targets", undefined)).status).to.equal(401);
  });

  it("delivers, after a restart, a notification whose daemon was killed with SIGKILL before delivering it", async function () {
    const hook = await receiver({ down: true });
    const stateDir = join(scratch, "state");
    const env = { COMMANDER_NOTIFICATIONS: JSON.stringify([{ name: "hook", url: `${hook.url}/in`, on: ["work_completed"] }]) };
    let d = await daemon(stateDir, env);
    const projectId = await project(d.url);
    const id = await work(d.url, projectId, "hello");
    await waitFor(async () => (await workState(d.url, id)) === "completed", { timeoutMs: 20_000, what: "the work to complete" });
    const pending = await waitFor(
      async () => {
        const res = await rest(d.url, "GET", "/api/notifications?state=pending", undefined, AUTH);
        const found = res.body.notifications?.[0];
        return found?.attempts >= 1 ? found : undefined;
      },
      { what: "a pending notification with a failed attempt" },
    );
    expect(pending).to.deep.include({ target: "hook", happening: "work_completed", project_id: projectId, state: "pending" });
    expect(pending.subjects).to.deep.equal([id]);
    expect(pending.last_error).to.be.a("string").and.not.equal("");
    expect(await d.stop("SIGKILL")).to.equal("SIGKILL");

    expect(hook.requests).to.deep.equal([]);
    hook.down = false;
    d = await daemon(stateDir, env);
    await waitFor(() => hook.accepted().length === 1, { timeoutMs: 20_000, what: "the delivery after the restart" });
    expect(hook.accepted()[0].json.items[0].id).to.equal(id);
    expect(hook.accepted()[0].headers["idempotency-key"]).to.equal(pending.id);
    const delivered = await waitFor(async () => {
      const res = await rest(d.url, "GET", `/api/notifications?state=delivered`, undefined, AUTH);
      return res.body.notifications?.find((n: { id: string }) => n.id === pending.id);
    }, { what: "the delivered state" });
    expect(delivered.delivered_at).to.be.a("string");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.requests.filter((request) => request.json.items[0].id === id)).to.have.length(1);
  });

  it("answers POST /api/work at once while a receiver holds every delivery", async function () {
    const slow = await receiver({ fallback: { status: 200, delayMs: 8_000 } });
    const d = await daemon(join(scratch, "state"), { COMMANDER_NOTIFICATIONS: JSON.stringify([{ name: "slow", url: slow.url }]) }, { attempt_timeout: 10 });
    const busy = await project(d.url);
    const first = await work(d.url, busy, "hello");
    await waitFor(async () => (await workState(d.url, first)) === "completed", { timeoutMs: 20_000, what: "the work to complete" });
    await waitFor(() => slow.held() > 0, { what: "the receiver holding a delivery" });
    const quiet = await project(d.url, true);
    const timings: number[] = [];
    for (let index = 0; index < 10; index++) {
      const started = Date.now();
      await work(d.url, quiet, `item ${index}`);
      timings.push(Date.now() - started);
    }
    expect(slow.held()).to.be.above(0);
    expect(Math.max(...timings), `POST /api/work took ${timings.join(", ")} ms`).to.be.below(1_000);
  });

  it("lets a person answer an agent's question from an answer link, without the API token, exactly once", async function () {
    const hook = await receiver();
    const d = await daemon(join(scratch, "state"), {
      COMMANDER_NOTIFICATIONS: JSON.stringify([{ name: "phone", url: hook.url, on: ["needs_input"], answer_links: true }]),
    });
    const projectId = await project(d.url);
    const id = await work(d.url, projectId, "please ask-choice");
    const [message] = await waitFor(() => hook.accepted().length === 1 && hook.accepted(), { timeoutMs: 20_000, what: "the needs-input notification" });
    const item = message.json.items[0];
    expect(item.options).to.deep.equal(["Red", "Blue"]);
    const blue = item.answer_links.find((link: { option: string }) => link.option === "Blue").url as string;
    const red = item.answer_links.find((link: { option: string }) => link.option === "Red").url as string;
    const path = new URL(blue).pathname;
    expect(new URL(blue).origin).to.equal(d.url);

    const described = await rest(d.url, "GET", path);
    expect(described.status).to.equal(200);
    expect(described.body).to.deep.include({ valid: true, event_id: item.id, option: "Blue" });
    expect((await rest(d.url, "GET", `/api/events/${item.id}`)).status).to.equal(401);

    const used = await rest(d.url, "POST", path, {});
    expect(used.status, used.text).to.equal(200);
    expect(used.body).to.deep.include({ event_id: item.id, resolution: "Blue", session_resumed: true });
    await waitFor(async () => (await workState(d.url, id)) === "completed", { timeoutMs: 20_000, what: "the work to complete" });
    const event = (await rest(d.url, "GET", `/api/events/${item.id}`, undefined, AUTH)).body;
    expect(event.context).to.deep.include({ resolved_via: "answer_link" });

    for (const again of [path, new URL(red).pathname]) {
      const refused = await rest(d.url, "POST", again, {});
      expect(refused.status).to.equal(403);
      expect(refused.body.details[0].reason).to.equal("ANSWER_LINK_INVALID");
    }
    // Nothing secret travels: not the API token (hook secrets live in memory only and never reach a record).
    for (const request of hook.requests) expect(JSON.stringify(request.headers) + request.body).not.to.include(TOKEN);
    const tampered = await rest(d.url, "POST", path.replace(/.$/, (c) => (c === "A" ? "B" : "A")), {});
    expect(tampered.status).to.equal(403);
    const key = await stat(join(d.stateDir, "answer-link.key"));
    expect(key.mode & 0o777).to.equal(0o600);
  });
});
