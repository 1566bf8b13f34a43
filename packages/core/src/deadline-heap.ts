/** What the heap needs of an entry: its deadline, and a slot where the heap keeps its index. */
export interface HasDeadline {
  readonly deadline: number;
  heapIndex: number;
}

/**
 * A binary min-heap of waiters by deadline. The pool keeps ONE timer aimed at the top entry instead of
 * a timer per waiter, and every entry knows its index, so a served waiter leaves in O(log n) (O(1)
 * when waiters share a timeout: the one served first is the top).
 */
export class DeadlineHeap<T extends HasDeadline> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    item.heapIndex = items.length;
    items.push(item);
    this.up(item.heapIndex);
  }

  remove(item: T): void {
    const index = item.heapIndex;
    if (index < 0) return;
    const items = this.items;
    const last = items.pop() as T;
    item.heapIndex = -1;
    if (index === items.length) return;
    items[index] = last;
    last.heapIndex = index;
    this.up(index);
    this.down(last.heapIndex);
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index] as T;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as T;
      if (parent.deadline <= item.deadline) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const length = items.length;
    const item = items[index] as T;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      const right = child + 1;
      if (right < length && (items[right] as T).deadline < (items[child] as T).deadline) child = right;
      const smaller = items[child] as T;
      if (smaller.deadline >= item.deadline) break;
      items[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
