// The browser the end-to-end tests drive: Debian's Chromium through playwright-core, never a browser a tool downloads.
import { chromium } from 'playwright-core';

/**
 * Starts headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium) with a fresh profile of its own, removed at close:
 * each context then has its own storage, so each person in a test is a Replicache client group of their own.
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // No background networking: this machine's network is closed, and Chromium would try (and fail) to reach
    // Google's services at every start.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
