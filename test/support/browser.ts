import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser the console tests drive: Debian's chromium (deploy/local/test.sh installs it), or CHROMIUM_PATH. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Containers run as root without user namespaces; the sandbox cannot start there.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical findings on the page as it is. The script goes in through the
 * DevTools protocol (page.evaluate), which the page's Content-Security-Policy does not govern;
 * the console itself still runs with no inline script.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<AxeViolation[]>(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Set to write the README's screenshots (docs/console/) as the console tests visit the main pages. */
export const SCREENSHOTS = process.env.FLOWLINE_CONSOLE_SCREENSHOTS === '1';

/**
 * What keeps the page as it is now from being usable at 1280 and at 390 px: axe-core's serious and
 * critical findings, and anything wider than the window (which would scroll sideways). With
 * `screenshot`, and FLOWLINE_CONSOLE_SCREENSHOTS=1, writes docs/console/<screenshot>-<width>.png.
 * The page is left at 1280 px.
 */
export async function unusableAtBothWidths(page: Page, where: string, screenshot?: string): Promise<string[]> {
  const found: string[] = [];
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    // A locator, not waitForFunction: that evaluates a string in the page, which its CSP forbids.
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    for (const violation of await seriousAxeViolations(page))
      found.push(
        `${where} at ${width}px: ${violation.id} (${violation.impact}) ${violation.help} ${JSON.stringify(violation.nodes.map((n) => n.target))}`,
      );
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    if ((overflow as number) > 0) found.push(`${where} at ${width}px: ${String(overflow)} px wider than the window`);
    if (SCREENSHOTS && screenshot) {
      const directory = join(__dirname, '..', '..', 'docs', 'console');
      mkdirSync(directory, { recursive: true });
      // From the top, without a focus ring: a sticky preview otherwise shows where the last field scrolled it.
      await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
      await page.screenshot({ path: join(directory, `${screenshot}-${width}.png`), fullPage: true });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return found;
}
