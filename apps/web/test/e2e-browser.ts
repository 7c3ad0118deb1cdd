import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { startTestServer, type TestServer, WEB_DIST } from './e2e-server.js';

/** Debian's Chromium (installed by scripts/bootstrap.sh), or `FLOWLINE_CHROMIUM`. */
export const CHROMIUM = process.env.FLOWLINE_CHROMIUM ?? '/usr/bin/chromium';
/** Where the end-to-end tests keep their screenshots. */
export const SHOTS = new URL('../test-artifacts/', import.meta.url).pathname;

/** Throws, saying what to do, when the UI is not built or Chromium is missing. */
export function assertE2eReady(): void {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error(
      `The web UI is not built (${WEB_DIST}); run pnpm exec turbo run build --filter=@flowline/web`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}; run scripts/bootstrap.sh (it installs Debian's chromium) or set FLOWLINE_CHROMIUM`,
    );
  }
}

/** Launches headless Chromium, quiet: no sandbox, GPU, first-run, sync or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Checks the set-up, launches Chromium and opens a 1400×900 page (15 s timeouts); makes `SHOTS`. */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  assertE2eReady();
  await mkdir(SHOTS, { recursive: true });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(15_000);
  return { browser, page };
}

/** Saves a screenshot of the page's viewport as `SHOTS/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** What an end-to-end suite drives: the browser, its page and the server it loads the UI from. */
export interface E2e {
  browser: Browser;
  page: Page;
  server: TestServer;
}

/** Opens the browser (see `openBrowser`) and starts a test server; `stopE2e` closes both. */
export async function startE2e(): Promise<E2e> {
  const { browser, page } = await openBrowser();
  return { browser, page, server: await startTestServer() };
}

/** Closes what `startE2e` opened (either may be missing when the start failed). */
export async function stopE2e(e2e: Partial<E2e>): Promise<void> {
  await e2e.browser?.close();
  await e2e.server?.close();
}
