/**
 * A FIFO mutex for async message handlers: Temporal runs handlers concurrently once they await, so the gate
 * serialises every start through one of these (cf. samples-typescript message-passing/safe-message-handlers).
 *
 * Ownership is handed directly to the next waiter. A `condition(() => !held)` wait is NOT enough: the SDK checks all
 * blocked conditions in one pass, so every waiter would see the lock free at once (our concurrency test caught it).
 */
export class Lock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  get isHeld(): boolean {
    return this.held;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.held) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      this.held = true;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.held = false;
    }
  }
}
