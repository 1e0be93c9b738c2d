import { statSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { packageRoot } from "../config/package-root.js";
import type { NodeServerRequest, NodeServerResponse } from "../gateway/node-http-types.js";
import { requestTarget } from "../gateway/request-url.js";
import { type DashboardAsset, loadDashboardAssets } from "./dashboard-assets.js";

/** Where `npm run build:web` (run by `npm ci` through `prepare`) writes the dashboard. */
export const DASHBOARD_DIRECTORY = join(packageRoot(), "dist", "web");

/**
 * The page may load only its own scripts, styles, images and manifest, talk only to this origin, and
 * never be framed. No inline script and no eval. Inline styles are allowed because xterm.js sizes its
 * terminal with a generated <style> element; agent text is inserted as text, never as markup, so it
 * cannot add styles either way.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": DASHBOARD_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

// A path ending in a file extension names an asset: a missing one is a 404, not the app (a stale
// hashed script must not receive HTML).
const LOOKS_LIKE_FILE = /\.[A-Za-z0-9]{1,12}$/;

export interface DashboardHandler {
  /** Whether the request is for the dashboard: a GET or HEAD outside `/api`. RPC paths never get here. */
  matches(req: NodeServerRequest): boolean;
  serve(req: NodeServerRequest, res: NodeServerResponse): void;
}

export interface DashboardHandlerOptions {
  readonly logger: Logger;
  /** The built assets; DASHBOARD_DIRECTORY by default. */
  readonly directory?: string;
}

/**
 * Serves the browser dashboard on the daemon's port: its hashed assets (cached for a year), and
 * `index.html` (revalidated on every load) for `/` and for any other path outside `/api` that is not a
 * file, so that deep links (`/events/{id}`, `/projects/{id}`, `/work/{id}`) work on reload. Assets are
 * read and compressed (br, gzip) once, on first use; when they have not been built the answer is a 503
 * saying how to build them, and they are looked for again on the next request.
 */
export function createDashboardHandler(options: DashboardHandlerOptions): DashboardHandler {
  const log = options.logger.child({ component: "dashboard" });
  const directory = options.directory ?? DASHBOARD_DIRECTORY;
  let assets: Map<string, DashboardAsset> | undefined;
  let warned = false;

  let builtAt = 0;
  let checkedAt = 0;
  const load = (): Map<string, DashboardAsset> | undefined => {
    // A rebuild (npm run build:web while the daemon runs) replaces index.html: looked at once a second.
    const now = Date.now();
    if (assets !== undefined && now - checkedAt < 1000) return assets;
    checkedAt = now;
    const stamp = modifiedAt(join(directory, "index.html"));
    if (assets !== undefined && stamp === builtAt) return assets;
    builtAt = stamp;
    assets = undefined;
    try {
      assets = loadDashboardAssets(directory);
    } catch (err) {
      log.error({ err, directory }, "cannot read the dashboard assets");
    }
    if (assets === undefined && !warned) {
      warned = true;
      log.warn({ directory }, "the dashboard is not built: run npm run build:web");
    }
    if (assets !== undefined) log.info({ directory, files: assets.size }, "dashboard assets loaded");
    return assets;
  };

  return {
    matches(req) {
      const method = (req.method ?? "GET").toUpperCase();
      if (method !== "GET" && method !== "HEAD") return false;
      const url = requestTarget(req.url);
      if (url === undefined) return false;
      return url.pathname !== "/api" && !url.pathname.startsWith("/api/");
    },
    serve(req, res) {
      const url = requestTarget(req.url);
      const built = load();
      if (built === undefined) {
        writeText(res, 503, "The Commander dashboard is not built. Run `npm run build:web` (`npm ci` does it for you), then reload.\n");
        return;
      }
      const pathname = url?.pathname ?? "/";
      const name = pathname === "/" ? "index.html" : pathname.slice(1);
      let asset = name.includes("/") ? undefined : built.get(name);
      if (asset === undefined) {
        if (LOOKS_LIKE_FILE.test(pathname)) {
          writeText(res, 404, `not found: ${pathname}\n`);
          return;
        }
        asset = built.get("index.html")!;
      }
      writeAsset(req, res, asset);
    },
  };
}

function writeAsset(req: NodeServerRequest, res: NodeServerResponse, asset: DashboardAsset): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "content-type": asset.contentType,
    "cache-control": asset.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    etag: asset.etag,
    vary: "Accept-Encoding",
  };
  const ifNoneMatch = req.headers["if-none-match"];
  if (typeof ifNoneMatch === "string" && ifNoneMatch.split(",").some((tag) => tag.trim() === asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const accepted = acceptedEncodings(req.headers["accept-encoding"]);
  let body = asset.identity;
  if (asset.br !== undefined && accepted.has("br")) {
    body = asset.br;
    headers["content-encoding"] = "br";
  } else if (asset.gzip !== undefined && accepted.has("gzip")) {
    body = asset.gzip;
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(body.length);
  res.writeHead(200, headers);
  if ((req.method ?? "GET").toUpperCase() === "HEAD") res.end();
  else res.end(body);
}

/** The codings a client accepts (`q=0` excluded). */
function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  for (const part of value.split(",")) {
    const [coding, ...params] = part.trim().toLowerCase().split(";");
    const refused = params.some((param) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(param));
    if (coding !== "" && !refused) accepted.add(coding.trim());
  }
  return accepted;
}

function modifiedAt(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function writeText(res: NodeServerResponse, status: number, text: string): void {
  const body = Buffer.from(text, "utf8");
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    "content-type": "text/plain; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(body.length),
  });
  res.end(body);
}
