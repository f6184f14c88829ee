/**
 * Real-server suites run when their server's URL is set (scripts/infra/env.sh
 * prints them). Outside CI an absent server skips the suite with one clear
 * line; with REQUIRE_INFRA=1 (CI) it is a failure instead.
 */
export function serverUrl(envVar: string, what: string, options: { optionalInCi?: string } = {}): string | undefined {
  const value = process.env[envVar];
  if (value) return value;
  if (process.env.REQUIRE_INFRA === '1' && !options.optionalInCi) {
    throw new Error(`${what}: ${envVar} is not set but REQUIRE_INFRA=1 — start the servers with \`npm run infra:up\` and \`eval "$(bash scripts/infra/env.sh)"\``);
  }
  process.stdout.write(`[skip] ${what}: ${envVar} is not set${options.optionalInCi ? ` (${options.optionalInCi})` : '; run `npm run infra:up` and `eval "$(bash scripts/infra/env.sh)"` to include it'}\n`);
  return undefined;
}

/** `describe` when the server is configured, `describe.skip` otherwise. */
export const describeWith = (url: string | undefined) => (url ? describe : describe.skip);

/**
 * The Chromium the browser suites drive: TOUCHPOINT_CHROMIUM, else Debian's /usr/bin/chromium (installed by
 * scripts/infra/chromium.sh). Absent: the suite is skipped with one line, or fails under REQUIRE_INFRA=1 (CI).
 */
export function chromiumPath(what: string): string | undefined {
  const path = process.env.TOUCHPOINT_CHROMIUM ?? '/usr/bin/chromium';
  if (require('node:fs').existsSync(path)) return path;
  if (process.env.REQUIRE_INFRA === '1') throw new Error(`${what}: no Chromium at ${path} but REQUIRE_INFRA=1 — install it with \`bash scripts/infra/chromium.sh\``);
  process.stdout.write(`[skip] ${what}: no Chromium at ${path}; \`bash scripts/infra/chromium.sh\` installs Debian's to include it\n`);
  return undefined;
}
