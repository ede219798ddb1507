/** Typed domain errors; the HTTP layer maps them to status codes. */
export class DomainError extends Error {
  constructor(readonly code: 'not_found' | 'forbidden' | 'conflict' | 'invalid' | 'bad_check_digit', message: string, readonly field?: string) { super(message); }
}
export const notFound = (m: string) => new DomainError('not_found', m);
export const forbidden = (m: string) => new DomainError('forbidden', m);
export const conflict = (m: string) => new DomainError('conflict', m);
export const invalid = (m: string, field?: string) => new DomainError('invalid', m, field);
