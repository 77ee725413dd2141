/**
 * Prepared queries for the hottest paths (authentication, create, query): Kysely builds and compiles
 * a query on every call, which costs more than SQLite takes to run it. A PreparedQuery builds its
 * query once per database dialect with placeholder values, remembers where each placeholder lands
 * among the compiled parameters, and afterwards only swaps the values in. The SQL text is exactly
 * what Kysely compiles for that dialect, and it still runs through Kysely (`executeQuery`), so it
 * works on a database and inside a transaction alike.
 *
 * Only for queries whose shape does not depend on the values: every value passed must be a plain
 * parameter of the query (a `where` value or an inserted value), never undefined.
 */
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './schema.ts';

const MARK = '\u0000umf-prepared-parameter:';

/** What a prepared query needs of a better-sqlite3 connection to run on it directly. */
export interface DirectSqlite {
  /** Compiled statements, cached by SQL text (see withStatementCache in database.ts). */
  prepare(sql: string): {
    readonly reader: boolean;
    all(params: readonly unknown[]): unknown[];
    run(params: readonly unknown[]): unknown;
  };
  /** True between BEGIN and COMMIT / ROLLBACK on the connection. */
  readonly inTransaction: boolean;
}

/** The SQLite connection behind a Kysely dialect adapter (registered by openStore). */
const directByAdapter = new WeakMap<object, DirectSqlite>();

export function registerDirectSqlite(db: Kysely<Database>, sqlite: DirectSqlite): void {
  directByAdapter.set(db.getExecutor().adapter, sqlite);
}

interface Compiled {
  readonly query: CompiledQuery<unknown>;
  /** For each compiled parameter, the index of the value that replaces it, or -1 to keep it. */
  readonly slots: readonly number[];
}

export class PreparedQuery<P extends readonly unknown[], R> {
  readonly #build: (db: Kysely<Database>, params: P) => Compilable<R>;
  readonly #arity: number;
  readonly #compiled = new WeakMap<object, Compiled>();

  /** `build` receives placeholder values (strings); `arity` is how many values a call passes. */
  constructor(arity: number, build: (db: Kysely<Database>, params: P) => Compilable<R>) {
    this.#arity = arity;
    this.#build = build;
  }

  async execute(db: Kysely<Database>, ...params: P): Promise<R[]> {
    const { query, slots } = this.#compile(db);
    const parameters = new Array<unknown>(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      parameters[i] = slot < 0 ? query.parameters[i] : params[slot];
    }
    // SQLite runs synchronously on this thread: Kysely's executor (connection mutex, several promises
    // per query) costs more than the statement. Run it on the connection directly when that is safe:
    // inside a transaction `db` is (Kysely holds the connection for it), or when no transaction is
    // open on the connection (a statement outside a transaction commits on its own). Otherwise,
    // another caller's transaction is open and the query waits for it through Kysely.
    const direct = directByAdapter.get(db.getExecutor().adapter);
    if (direct && (db.isTransaction || !direct.inTransaction)) {
      const statement = direct.prepare(query.sql);
      if (statement.reader) return statement.all(parameters) as R[];
      statement.run(parameters);
      return [];
    }
    const result = await db.executeQuery<R>({ ...query, parameters });
    return result.rows;
  }

  async takeFirst(db: Kysely<Database>, ...params: P): Promise<R | undefined> {
    return (await this.execute(db, ...params))[0];
  }

  #compile(db: Kysely<Database>): Compiled {
    // One compilation per dialect adapter (a database and its transactions share it).
    const adapter = db.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) {
      const marks = Array.from({ length: this.#arity }, (_, i) => `${MARK}${i}`) as unknown as P;
      const query = this.#build(db, marks).compile() as CompiledQuery<unknown>;
      const slots = query.parameters.map((value) =>
        typeof value === 'string' && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : -1,
      );
      const used = new Set(slots.filter((s) => s >= 0));
      if (used.size !== this.#arity)
        throw new Error(`prepared query uses ${used.size} of its ${this.#arity} values: ${query.sql}`);
      compiled = { query, slots };
      this.#compiled.set(adapter, compiled);
    }
    return compiled;
  }
}

/**
 * A prepared `insert into <table> (<columns>) values (...)` of one row: `run(db, row)` inserts the
 * row's values of exactly these columns (a column missing from the row is an error, not a default).
 */
export class PreparedInsert<T extends keyof Database> {
  readonly #columns: readonly string[];
  readonly #query: PreparedQuery<unknown[], unknown>;
  constructor(table: T, columns: readonly (keyof Database[T] & string)[]) {
    this.#columns = columns;
    this.#query = new PreparedQuery(columns.length, (db, marks) =>
      db.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, marks[i]])) as never),
    );
  }
  async run(db: Kysely<Database>, row: Readonly<Record<string, unknown>>): Promise<void> {
    const values = this.#columns.map((c) => {
      const v = row[c];
      if (v === undefined) throw new Error(`prepared insert: no value for ${c}`);
      return v;
    });
    await this.#query.execute(db, ...values);
  }
}
