/**
 * A first-come, first-served async lock. `acquire()` resolves to a release function once every
 * earlier holder has released; releasing twice is harmless.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** True while someone holds the lock or waits for it. */
  get busy(): boolean {
    return this.holders > 0;
  }

  acquire(): Promise<() => void> {
    let unlock!: () => void;
    const released = new Promise<void>((resolve) => (unlock = resolve));
    const turn = this.tail;
    this.tail = this.tail.then(() => released);
    this.holders += 1;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      this.holders -= 1;
      unlock();
    };
    return turn.then(() => release);
  }
}
