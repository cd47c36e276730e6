/**
 * Resolves with the name of the first SIGINT, SIGTERM or SIGHUP (a closed terminal), for the commands that serve
 * until they are stopped (`simulator`, `review`); the handlers are removed once one fired.
 */
export function untilSignal(): Promise<string> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  return new Promise((resolve) => {
    const handlers = signals.map((signal) => {
      const handler = (): void => {
        signals.forEach((s, i) => process.off(s, handlers[i]!));
        resolve(signal);
      };
      return handler;
    });
    signals.forEach((s, i) => process.once(s, handlers[i]!));
  });
}
