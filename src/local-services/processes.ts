import { readFile } from 'node:fs/promises';

/**
 * Stops a server a previous run left behind (the service was killed before it could stop its
 * children): the pid in `pidFile`, if that process still runs, gets `signal` and is waited for.
 */
export async function stopLeftover(pidFile: string, signal: NodeJS.Signals): Promise<boolean> {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return false;
  process.kill(pid, signal);
  for (let i = 0; i < 200 && isRunning(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return true;
}

/** Whether a process with this pid is alive. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
