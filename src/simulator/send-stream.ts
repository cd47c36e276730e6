import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Writes chunks with backpressure; resolves false when the client went away first. */
export async function pump(res: ServerResponse, chunks: Iterable<Buffer>, onBytes: (n: number) => void): Promise<boolean> {
  for (const chunk of chunks) {
    if (res.destroyed) return false;
    onBytes(chunk.length);
    if (!res.write(chunk)) {
      const drained = await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => () => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
      if (!drained) return false;
    }
  }
  return true;
}

/** Ends a connection with a TCP RST, which clients see as ECONNRESET ("connection reset"). */
export function resetConnection(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}
