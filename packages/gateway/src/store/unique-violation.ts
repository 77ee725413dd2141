/**
 * Whether a database error is a unique-constraint violation, on every store: PostgreSQL and PGlite
 * (SQLSTATE 23505), better-sqlite3 (SQLITE_CONSTRAINT_UNIQUE), or a driver that only says so in its
 * message. Callers turn it into their own "already exists" answer (a duplicate order or refund
 * number, a second live customs declaration, a settlement made by another run).
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e.code === '23505' ||
    e.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /unique constraint|UNIQUE constraint/i.test(e.message ?? '')
  );
}
