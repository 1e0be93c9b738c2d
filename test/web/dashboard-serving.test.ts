import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { expect } from "chai";
import pino from "pino";
import { buildDashboard, ensureDashboardBuilt, type DashboardBuild } from "../../scripts/build-web.js";
import { createDashboardHandler } from "../../src/server/dashboard-handler.js";
import { asRestResponse, expectRestError, rawRequest, startE2eDaemon, type E2eDaemon } from "../e2e/support/e2e-daemon.js";

// How the daemon serves the dashboard on its one port: the page for every non-API path (deep links),
// hashed assets cached for good, compression, the security headers, and the same guards as the API.

const TOKEN = "dashboard-test-token-0123456789abcdef";

describe("dashboard serving (real daemon)", function () {
  this.timeout(60_000);
  let daemon: E2eDaemon;
  let build: DashboardBuild;
  let script: string;

  before(async () => {
    build = await ensureDashboardBuilt();
    script = build.firstLoad.find((name) => name.startsWith("main-") && name.endsWith(".js"))!;
    daemon = await startE2eDaemon();
  });

  after(async () => {
    await daemon?.dispose();
  });

  it("serves the page at / with a strict CSP, nosniff, no framing and revalidation", async () => {
    const res = await rawRequest(daemon.url, "GET", "/");
    expect(res.status).to.equal(200);
    expect(res.headers["content-type"]).to.equal("text/html; charset=utf-8");
    expect(res.text).to.include(`<script type="module" src="/${script}"></script>`);
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).to.include("script-src 'self'");
    expect(csp).to.include("connect-src 'self'");
    expect(csp).to.include("frame-ancestors 'none'");
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.not.match(/script-src[^;]*'unsafe-(inline|eval)'/);
    expect(res.headers["x-content-type-options"]).to.equal("nosniff");
    expect(res.headers["x-frame-options"]).to.equal("DENY");
    expect(res.headers["cache-control"]).to.equal("no-cache");
    // No inline script in the page: everything it runs comes from its own files.
    expect(res.text).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.text).to.not.match(/\son[a-z]+=/i);
  });

  it("serves the installable app's manifest with PNG icons of 192 and 512 px, one of them maskable", async () => {
    const manifest = await (await fetch(`${daemon.url}/manifest.webmanifest`)).json();
    const icons = manifest.icons as Array<{ src: string; sizes: string; type: string; purpose: string }>;
    const pngs = icons.filter((icon) => icon.type === "image/png");
    expect(pngs.map((icon) => `${icon.sizes} ${icon.purpose}`)).to.have.members(["192x192 any", "512x512 any", "512x512 maskable"]);
    for (const icon of pngs) {
      const res = await fetch(daemon.url + icon.src);
      expect(res.status, icon.src).to.equal(200);
      expect(res.headers.get("content-type"), icon.src).to.equal("image/png");
      const png = Buffer.from(await res.arrayBuffer());
      // The PNG signature, then the IHDR chunk's width and height.
      expect(png.subarray(0, 8).toString("hex"), icon.src).to.equal("89504e470d0a1a0a");
      expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).to.equal(icon.sizes);
      expect(png.length, icon.src).to.be.below(40_000);
    }
    const page = await rawRequest(daemon.url, "GET", "/");
    expect(page.text).to.include('<link rel="apple-touch-icon" href="/icon-192.png">');
  });

  it("answers deep links with the page, and unknown files with 404", async () => {
    for (const path of ["/events/event-1", "/projects/p1", "/work/work-1", "/projects/p1/terminal", "/fleet", "/nothing", "/answer/eyJhIjoxfQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dQ"]) {
      const res = await rawRequest(daemon.url, "GET", path);
      expect(res.status, path).to.equal(200);
      expect(res.text, path).to.include(`/${script}`);
    }
    const head = await rawRequest(daemon.url, "HEAD", "/projects/p1");
    expect(head.status).to.equal(200);
    expect(head.text).to.equal("");
    expect(Number(head.headers["content-length"])).to.be.greaterThan(0);
    const missing = await rawRequest(daemon.url, "GET", "/main-AAAAAAAA.js");
    expect(missing.status).to.equal(404);
    expect(missing.headers["content-type"]).to.match(/^text\/plain/);
  });

  it("caches hashed assets for a year and revalidates the page with its ETag", async () => {
    const asset = await rawRequest(daemon.url, "GET", `/${script}`);
    expect(asset.status).to.equal(200);
    expect(asset.headers["content-type"]).to.equal("text/javascript; charset=utf-8");
    expect(asset.headers["cache-control"]).to.equal("public, max-age=31536000, immutable");
    const page = await rawRequest(daemon.url, "GET", "/");
    const again = await rawRequest(daemon.url, "GET", "/", undefined, { "if-none-match": String(page.headers.etag) });
    expect(again.status).to.equal(304);
    expect(again.text).to.equal("");
    const manifest = await rawRequest(daemon.url, "GET", "/manifest.webmanifest");
    expect(manifest.headers["content-type"]).to.equal("application/manifest+json");
    expect(manifest.body.icons.map((icon: { src: string }) => icon.src)).to.include("/icon.svg");
    expect((await rawRequest(daemon.url, "GET", "/icon.svg")).headers["content-type"]).to.equal("image/svg+xml");
  });

  it("compresses with br or gzip as the browser accepts, and the first load stays under 300 KB", async () => {
    const plain = await compressedGet(daemon.port, `/${script}`, "identity");
    const br = await compressedGet(daemon.port, `/${script}`, "gzip, deflate, br");
    const gzip = await compressedGet(daemon.port, `/${script}`, "gzip");
    expect(br.encoding).to.equal("br");
    expect(gzip.encoding).to.equal("gzip");
    expect(plain.encoding).to.equal(undefined);
    expect((await compressedGet(daemon.port, `/${script}`, "br;q=0, gzip")).encoding).to.equal("gzip");
    expect(brotliDecompressSync(br.body).equals(plain.body)).to.equal(true);
    expect(gunzipSync(gzip.body).equals(plain.body)).to.equal(true);
    expect(br.vary).to.include("Accept-Encoding");
    let firstLoad = 0;
    for (const name of build.firstLoad) firstLoad += (await compressedGet(daemon.port, name === "index.html" ? "/" : `/${name}`, "gzip")).body.length;
    expect(firstLoad, `first load, gzip: ${firstLoad} bytes`).to.be.below(300 * 1024);
  });

  it("leaves API routes, RPC paths and non-GET requests to the API", async () => {
    expectRestError(asRestResponse(await rawRequest(daemon.url, "GET", "/api/nothing")), 404, "ROUTE_NOT_FOUND");
    expectRestError(asRestResponse(await rawRequest(daemon.url, "POST", "/", "{}", { "content-type": "application/json" })), 404, "ROUTE_NOT_FOUND");
    const health = await rawRequest(daemon.url, "GET", "/api/health");
    expect(health.body.status).to.be.a("string");
    const rpc = await rawRequest(daemon.url, "GET", "/commander.v1.ProjectService/ListProjects?encoding=json&message=%7B%7D");
    expect(rpc.headers["content-type"]).to.match(/^application\/json/);
  });

  it("refuses the page to a foreign Host (DNS rebinding) and to a foreign Origin", async () => {
    const rebound = await rawRequest(daemon.url, "GET", "/", undefined, { host: "evil.example" });
    expect(rebound.status).to.equal(403);
    const foreign = await rawRequest(daemon.url, "GET", `/${script}`, undefined, { origin: "https://evil.example" });
    expect(foreign.status).to.equal(403);
    // The page's own origin (a module script, an API call from the page) is let through.
    const own = await rawRequest(daemon.url, "POST", "/api/health/acknowledge", "{}", { origin: daemon.url, "content-type": "application/json" });
    expect(own.status).to.equal(200);
    expect(own.headers["access-control-allow-origin"]).to.equal(undefined);
    const otherPort = await rawRequest(daemon.url, "GET", "/api/projects", undefined, { origin: `http://127.0.0.1:${daemon.port + 1}` });
    expect(otherPort.status).to.equal(403);
  });

  describe("with a token", function () {
    let secured: E2eDaemon;
    before(async () => {
      secured = await startE2eDaemon({ env: { COMMANDER_TOKEN: TOKEN } });
    });
    after(async () => {
      await secured?.dispose();
    });

    it("serves the page and its assets without the token, and every API call only with it", async () => {
      expect((await rawRequest(secured.url, "GET", "/")).status).to.equal(200);
      expect((await rawRequest(secured.url, "GET", `/${script}`)).status).to.equal(200);
      expect((await rawRequest(secured.url, "GET", "/projects/p1")).status).to.equal(200);
      expect((await rawRequest(secured.url, "GET", "/api/projects")).status).to.equal(401);
      expect((await rawRequest(secured.url, "GET", "/api/nothing")).status).to.equal(401);
      expect((await rawRequest(secured.url, "GET", "/commander.v1.ProjectService/ListProjects?encoding=json&message=%7B%7D")).status).to.equal(401);
      expect((await rawRequest(secured.url, "POST", "/", "{}", { "content-type": "application/json" })).status).to.equal(401);
      const allowed = await rawRequest(secured.url, "GET", "/api/projects", undefined, { authorization: `Bearer ${TOKEN}` });
      expect(allowed.status).to.equal(200);
    });
  });
});

describe("dashboard handler", function () {
  this.timeout(30_000);

  it("answers 503 with how to build it while the assets are missing, and serves them once built", async () => {
    const directory = await mkdtemp(join(tmpdir(), "commander-dashboard-"));
    const handler = createDashboardHandler({ directory, logger: pino({ level: "silent" }) });
    const server = http.createServer((req, res) => handler.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const missing = await rawRequest(url, "GET", "/");
      expect(missing.status).to.equal(503);
      expect(missing.text).to.include("npm run build:web");
      await buildDashboard(directory, { precompress: false });
      const built = await rawRequest(url, "GET", "/");
      expect(built.status).to.equal(200);
      expect(built.text).to.include('<div id="app">');
      const script = await compressedGet(Number(new URL(url).port), `/${built.text.match(/src="\/(main-[A-Z0-9]+\.js)"/)![1]}`, "br, gzip");
      expect(script.encoding, "gzip made by the daemon when the build wrote no compressed files").to.equal("gzip");
    } finally {
      server.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});

/** A GET that keeps the body as sent (node:http does not decompress). */
function compressedGet(port: number, path: string, acceptEncoding: string): Promise<{ encoding?: string; vary: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { "accept-encoding": acceptEncoding }, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ encoding: res.headers["content-encoding"], vary: String(res.headers.vary ?? ""), body: Buffer.concat(chunks) }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}
