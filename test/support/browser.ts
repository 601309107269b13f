import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's `chromium` package; `.ci/run` installs it. */
export const CHROMIUM_PATH = process.env.HARMONY_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where browser tests leave screenshots (git-ignored). */
export const ARTIFACTS_DIRECTORY = path.resolve(__dirname, '..', '..', 'test-artifacts');

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export type TestBrowser = {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Every WebSocket the page opened (ws:// URLs), in order. */
  sockets: string[];
  /** Uncaught page errors and console errors. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
};

/**
 * Headless Chromium with a fresh profile and everything that phones home switched off, recording
 * every request the page makes (so a test can check none leaves the machine).
 */
export async function launchTestBrowser(): Promise<TestBrowser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'harmony-chromium-'));
  // A persistent context is how Playwright takes a --user-data-dir: a fresh one per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const sockets: string[] = [];
  const errors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (socket) => sockets.push(socket.url()));
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  fs.mkdirSync(ARTIFACTS_DIRECTORY, { recursive: true });
  return {
    context,
    page,
    requests,
    sockets,
    errors,
    screenshot: async (name) => {
      const file = path.join(ARTIFACTS_DIRECTORY, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
