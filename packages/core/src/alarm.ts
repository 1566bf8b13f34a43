import { now } from './clock.js';

/**
 * One timer aimed at the earliest time asked of it: the waiting room's deadlines, the creator's next
 * attempt, the keeper's sweep. Asking for a later time than the one set changes nothing.
 */
export class Alarm {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When it rings next; Infinity when not set. */
  at = Infinity;

  /** `unref`: it never keeps the process alive on its own. */
  constructor(private readonly ring: () => void, private readonly unref: boolean) {}

  /** Makes sure it rings by `at`. */
  setBy(at: number): void {
    if (at >= this.at) return;
    clearTimeout(this.timer);
    this.at = at;
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(at - now())));
    if (this.unref) this.timer.unref?.();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.at = Infinity;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Infinity;
    this.ring();
  };
}
