/** The pooled object in W1–W4 and the soak: creating it costs nothing, so the pools' own overhead is what is measured. */
export interface FakeResource {
  readonly id: number;
}

let nextId = 0;

/** A new resource (synchronously; the pools wrap it in their own promise or callback). */
export function makeResource(): FakeResource {
  return { id: nextId++ };
}
