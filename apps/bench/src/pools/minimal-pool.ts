/**
 * The hand-written reference: the smallest honest promise pool. An array of idle resources (LIFO),
 * a FIFO of waiting resolvers (an array read from a moving head, compacted when empty, so no
 * O(n) `Array#shift`), a count of resources made, and nothing else: no timeouts, no validation,
 * no events, no stats, no error handling for create. A real pool must do more; this is the bar for
 * how little the acquire/release path can cost in JavaScript.
 */
export class MinimalPool<R> {
  private readonly idle: R[] = [];
  private waiters: (((resource: R) => void) | undefined)[] = [];
  private head = 0;
  private size = 0;

  constructor(
    private readonly create: () => Promise<R>,
    private readonly max: number,
  ) {}

  acquire(): Promise<R> {
    const resource = this.idle.pop();
    if (resource !== undefined) return Promise.resolve(resource);
    if (this.size < this.max) {
      this.size++;
      return this.create();
    }
    return new Promise<R>((resolve) => {
      this.waiters.push(resolve);
    });
  }

  release(resource: R): void {
    if (this.head < this.waiters.length) {
      const resolve = this.waiters[this.head] as (resource: R) => void;
      this.waiters[this.head++] = undefined;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      }
      resolve(resource);
    } else {
      this.idle.push(resource);
    }
  }
}
