import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";

/** One file of the built dashboard, with its compressed forms computed once. */
export interface DashboardAsset {
  readonly name: string;
  readonly contentType: string;
  readonly etag: string;
  /** Content-hashed names (`main-3F2A….js`) never change: they are cached for a year. */
  readonly immutable: boolean;
  readonly identity: Buffer;
  readonly gzip?: Buffer;
  readonly br?: Buffer;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

// esbuild's `[name]-[hash]` names: a dash, then 8 upper-case letters or digits, then the extension.
const HASHED = /-[A-Z0-9]{8}\.[a-z]+$/;
// Images are already compressed; compressing tiny files costs more than it saves.
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".json", ".webmanifest", ".svg", ".txt", ".map"]);
const MIN_COMPRESS_BYTES = 256;

/**
 * Reads every file of the built dashboard (a flat directory written by `npm run build:web`), or returns
 * undefined when it has not been built (no `index.html`).
 */
export function loadDashboardAssets(directory: string): Map<string, DashboardAsset> | undefined {
  try {
    if (!statSync(join(directory, "index.html")).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const assets = new Map<string, DashboardAsset>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const identity = readFileSync(join(directory, entry.name));
    const extension = extname(entry.name);
    const compress = COMPRESSIBLE.has(extension) && identity.length >= MIN_COMPRESS_BYTES;
    assets.set(entry.name, {
      name: entry.name,
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      etag: `"${createHash("sha256").update(identity).digest("base64url").slice(0, 22)}"`,
      immutable: HASHED.test(entry.name),
      identity,
      gzip: compress ? gzipSync(identity, { level: 9 }) : undefined,
      br: compress
        ? brotliCompressSync(identity, {
            params: {
              [zlibConstants.BROTLI_PARAM_QUALITY]: 10,
              [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length,
            },
          })
        : undefined,
    });
  }
  return assets;
}
