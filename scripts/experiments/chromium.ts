/**
 * Makes a headless Chromium available to render reports. We use Debian's `chromium` package rather
 * than playwright's own browser downloads: the only networks reachable here (and in many CI
 * sandboxes) are the npm registry and the distribution's mirror, and a distro browser gets security
 * updates with the rest of the system. playwright-core drives it through `executablePath`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's `chromium` package puts its launcher. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless run that must not reach the network or need a desktop.
 * `--no-sandbox` is required when running as root (CI containers): Chromium refuses to start its
 * sandbox as root. The rest stop background fetches (updates, sync, QUIC probes) that would hang
 * or fail without internet and make a render slower and less repeatable.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Returns the path of a Chromium executable, installing Debian's package when running as root.
 * The install can take minutes on a cold apt cache; callers in tests give it a long timeout.
 * @throws Error naming the install command when Chromium is missing and we cannot install it.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install it with ` +
        '`sudo apt-get install chromium` (Debian/Ubuntu) and run again.',
    );
  }
  // noninteractive: a debconf prompt would otherwise block forever with no terminal attached.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  } catch {
    // A fresh container has empty package lists; refresh them once and retry.
    apt(['update']);
    apt(['install', '-y', '--no-install-recommends', 'chromium']);
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing.`);
  }
  return CHROMIUM_PATH;
}
