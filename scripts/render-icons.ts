// Renders the web app's PNG icons from src/web/static/icon.svg in headless Chromium (Debian's, as the
// browser tests use): 192 and 512 px, and a 512 px maskable one whose drawing keeps inside the inner 80 %
// circle that launchers may crop to. The PNGs are committed (a few KiB each), so building the dashboard
// needs no browser; run `npm run icons` after changing the SVG.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPO_ROOT } from "./build-web.js";

const STATIC = join(REPO_ROOT, "src", "web", "static");
const BACKGROUND = "#15171c";

const svg = await readFile(join(STATIC, "icon.svg"), "utf8");
const inline = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage();
  const render = async (size: number, scale: number, file: string) => {
    await page.setViewportSize({ width: size, height: size });
    const inner = Math.round(size * scale);
    // A maskable icon is cropped by the launcher: its background fills the whole square.
    await page.setContent(
      `<body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${scale < 1 ? BACKGROUND : "transparent"}">` +
        `<img src="${inline}" width="${inner}" height="${inner}"></body>`,
    );
    await page.waitForFunction(() => document.images[0]?.complete);
    await writeFile(join(STATIC, file), await page.screenshot({ omitBackground: scale === 1, type: "png" }));
  };
  await render(192, 1, "icon-192.png");
  await render(512, 1, "icon-512.png");
  await render(512, 0.72, "icon-maskable-512.png");
} finally {
  await browser.close();
}
