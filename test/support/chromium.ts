import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ensureDebianPackage } from './debian-package';

/** Debian's chromium; playwright-core drives it and never downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/** Installs Debian's chromium with apt-get when missing (as root). */
export function ensureChromium(): string {
  ensureDebianPackage('chromium', () => existsSync(CHROMIUM));
  return CHROMIUM;
}

/** A headless chromium, quiet on the network (no sync, updates or background fetches). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
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
}
