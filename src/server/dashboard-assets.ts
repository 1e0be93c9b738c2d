import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";

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
 * undefined when it has not been built (no `index.html`). The build writes each compressible file's
 * brotli and gzip forms next to it (`.br`, `.gz`); brotli at its best level is too slow to run in the
 * daemon, so a file without them is only gzipped, here.
 */
export function loadDashboardAssets(directory: string): Map<string, DashboardAsset> | undefined {
  try {
    if (!statSync(join(directory, "index.html")).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const names = new Set(readdirSync(directory, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name));
  const assets = new Map<string, DashboardAsset>();
  for (const name of names) {
    if (name.startsWith(".") || name.endsWith(".br") || name.endsWith(".gz")) continue;
    const identity = readFileSync(join(directory, name));
    const extension = extname(name);
    const compress = COMPRESSIBLE.has(extension) && identity.length >= MIN_COMPRESS_BYTES;
    const etag = `"${createHash("sha256").update(identity).digest("base64url").slice(0, 22)}"`;
    assets.set(name, {
      name,
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      etag,
      immutable: HASHED.test(name),
      identity,
      gzip: compress ? (precompressed(directory, names, `${name}.gz`, identity, gunzipSync) ?? gzipSync(identity, { level: 6 })) : undefined,
      br: compress ? precompressed(directory, names, `${name}.br`, identity, brotliDecompressSync) : undefined,
    });
  }
  return assets;
}

/** A compressed sibling written by the build, if it is there and decodes to the file (not a stale one). */
function precompressed(directory: string, names: Set<string>, name: string, identity: Buffer, decode: (data: Buffer) => Buffer): Buffer | undefined {
  if (!names.has(name)) return undefined;
  const data = readFileSync(join(directory, name));
  try {
    return decode(data).equals(identity) ? data : undefined;
  } catch {
    return undefined;
  }
}
