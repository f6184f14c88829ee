import { execFileSync } from 'node:child_process';

/**
 * The browser suites test the console as it ships: `npm run build` (the API and the console), which `npm start`
 * also runs first, before they run.
 */
export default async function buildConsole(): Promise<void> {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
}
