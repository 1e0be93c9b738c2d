import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { ensureDashboardBuilt } from "../../../scripts/build-web.js";

// Debian's chromium (installed by .ci/run); nothing is ever downloaded. The flags keep a headless
// browser from reaching for the network on its own (updates, sync, field trials).
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Builds the dashboard (once per test process) and launches headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
  await ensureDashboardBuilt();
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export interface DashboardPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Dialogs opened, uncaught page errors, console errors and CSP violations: a safe page has none. */
  readonly incidents: string[];
  /** Every URL the page requested. */
  readonly requests: Array<{ url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

/** A fresh browser context (its own sessionStorage) with the dashboard open at `path`. */
export async function openDashboard(
  browser: Browser,
  baseUrl: string,
  path = "/",
  options: { viewport?: { width: number; height: number }; isMobile?: boolean; colorScheme?: "light" | "dark" } = {},
): Promise<DashboardPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    isMobile: options.isMobile,
    hasTouch: options.isMobile,
    colorScheme: options.colorScheme ?? "light",
  });
  const page = await context.newPage();
  const incidents: string[] = [];
  const requests: Array<{ url: string; authorization: string | undefined }> = [];
  page.on("dialog", (dialog) => {
    incidents.push(`dialog ${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => undefined);
  });
  page.on("pageerror", (error) => incidents.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    // An aborted stream (leaving the terminal view) is reported by Chromium as a failed fetch: not an incident.
    if (message.type() === "error" && !/ERR_ABORTED|net::ERR_/.test(message.text())) incidents.push(`console error: ${message.text()}`);
  });
  page.on("request", (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(baseUrl + path);
  return { context, page, incidents, requests, close: () => context.close() };
}
