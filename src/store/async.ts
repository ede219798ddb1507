/**
 * The shape of the future async repository ports: every method of a SQLite repository, returning a
 * Promise of what it returns today. The PostgreSQL repositories (src/store/pg/) `implements AsyncOf<…>`
 * their SQLite twin, so the compiler proves both engines offer the same methods and arguments.
 * Non-method members (e.g. a public `db` handle) are not part of the port.
 */
export type AsyncOf<T> = {
  [K in keyof T as T[K] extends (...args: any[]) => any ? K : never]:
    T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** A SQLite repository seen through the async port (for the store contract suite and a gradual switch). */
export function asyncify<T extends object>(repo: T): AsyncOf<T> {
  return new Proxy(repo, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return undefined;
      return async (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args);
    },
  }) as unknown as AsyncOf<T>;
}
