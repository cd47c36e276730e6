import { UserError } from '../errors/paiwo-error.js';

/**
 * A server that could not listen, as the user reads it (exit 2, no stack trace): a port in use, one the user
 * may not open, an address this machine does not have. Anything else is returned as it is.
 */
export function listenError(error: unknown, what: string, port: number | undefined, host = '127.0.0.1'): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = `${host}:${port ?? 0}`;
  if (code === 'EADDRINUSE') return new UserError('PORT_IN_USE', `${what} cannot listen on ${where}: the port is in use (another server, or another ${what}?). Pass another --port, or --port 0 for any free one.`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new UserError('PORT_REFUSED', `${what} may not listen on ${where} (ports below 1024 need privileges). Pass another --port, or --port 0 for any free one.`, { cause: error });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new UserError('HOST_UNAVAILABLE', `${what} cannot listen on ${where}: this machine has no such address. Pass another --host.`, { cause: error });
  return error;
}
