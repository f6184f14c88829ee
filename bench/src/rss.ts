import { readFileSync, writeFileSync } from 'node:fs';
import { round } from './stats';

/**
 * Follows a child process's peak resident set (VmHWM, which never decreases) by polling /proc. `reset` starts a
 * new phase (clear_refs 5 puts the kernel's high-water mark back to the current RSS; where refused it stays
 * cumulative). NaN off Linux.
 */
export function watchPeakRss(pid: number, everyMs = 100) {
  let kb = NaN;
  const poll = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb = Number.isNaN(kb) ? Number(m[1]) : Math.max(kb, Number(m[1]));
    } catch {
      /* gone, or not Linux */
    }
  };
  poll();
  const timer = setInterval(poll, everyMs);
  let resettable = true;
  return {
    /** the peak since the start or the last reset, MiB */
    read: () => (poll(), round(kb / 1024, 1)),
    reset(): boolean {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        kb = NaN;
      } catch {
        resettable = false;
      }
      poll();
      return resettable;
    },
    get resettable() {
      return resettable;
    },
    /** stops polling; the last peak, MiB */
    stop: () => {
      clearInterval(timer);
      return round(kb / 1024, 1);
    },
  };
}
