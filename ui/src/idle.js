// The idle lock as the user sees it (manual step 8: "after 5 minutes without input it locks
// itself"). Owns two clocks: the local one that shows the lock screen after the policy's
// `banner.idleLockMinutes` without input, and the throttle that tells the desk about input at most
// once per 30 s (`activity`), so a long read does not lock the session on the Rust side either.

export const ACTIVITY_EVERY_MS = 30_000;
export const INPUT_EVENTS = ['keydown', 'pointerdown', 'wheel'];

export class IdleWatch {
  /**
   * @param {object} o
   * @param {number} o.minutes  lock after this many minutes without input (from the Banner)
   * @param {() => void} o.onIdle  called once when the time runs out
   * @param {() => void} o.onActivity  called on input, at most once per `activityEveryMs`
   */
  constructor({ minutes, onIdle, onActivity, activityEveryMs = ACTIVITY_EVERY_MS }) {
    this.limitMs = Math.max(1, Number(minutes) || 5) * 60_000;
    this.onIdle = onIdle;
    this.onActivity = onActivity;
    this.activityEveryMs = activityEveryMs;
    this.timer = null;
    this.lastReport = 0;
    this.running = false;
  }

  /** Starts watching; the moment of starting counts as activity the desk already knows of. */
  start() {
    this.running = true;
    this.lastReport = Date.now();
    this.arm();
  }

  stop() {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A key, pointer or wheel input. */
  input() {
    if (!this.running) return;
    this.arm();
    const now = Date.now();
    if (now - this.lastReport >= this.activityEveryMs) {
      this.lastReport = now;
      this.onActivity();
    }
  }

  arm() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.running) return;
      this.running = false;
      this.onIdle();
    }, this.limitMs);
  }
}
