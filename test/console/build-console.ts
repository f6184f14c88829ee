import { execFileSync } from 'node:child_process';

/** The browser suites test the console as it ships: built by the project's own script before they run. */
export default async function buildConsole(): Promise<void> {
  execFileSync('npm', ['run', '-s', 'build:console'], { stdio: 'inherit' });
}
