import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { seedByProcess, startServiceProcess, type ServiceProcess } from './service-process';
import { testDatabaseUri, uniqueDatabaseName } from './test-app';

/** Where the browser specs' screenshots go (CI keeps them as artifacts). */
export const BROWSER_ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts', 'browser');

/** Debian's Chromium, headless, as docs/testing.md and CI run it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * The built service as a development process (info logs) on a fresh database loaded with the
 * sample data; `env` on top. Returns the environment too, to start it again on the same data.
 */
export async function startSeededService(
  env: Record<string, string> = {},
): Promise<{ service: ServiceProcess; env: Record<string, string> }> {
  const mongodbUri = testDatabaseUri(uniqueDatabaseName());
  await seedByProcess(mongodbUri);
  const serviceEnv = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    MONGODB_URI: mongodbUri,
    ...env,
  };
  return { service: await startServiceProcess(serviceEnv), env: serviceEnv };
}

/**
 * The steps of a browser spec: `step(name, run)` runs, then saves a screenshot of `page()` (and of
 * `also.page()`, named `also.name`); on failure the screenshots show where it stopped.
 */
export function screenshotSteps(page: () => Page, prefix = '') {
  const shoot = (on: Page | undefined, name: string) =>
    on?.screenshot({ path: join(BROWSER_ARTIFACTS, `${name}.png`) }).catch(() => undefined);
  return async (
    name: string,
    run: () => Promise<void>,
    also?: { readonly name: string; readonly page: () => Page | undefined },
  ): Promise<void> => {
    mkdirSync(BROWSER_ARTIFACTS, { recursive: true });
    try {
      await run();
    } finally {
      await shoot(page(), `${prefix}${name}`);
      if (also) await shoot(also.page(), `${prefix}${also.name}`);
    }
  };
}
