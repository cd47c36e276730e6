/** The simulator's HTTP server: one route per path, the `/__sim/*` controls, and a 500 for any handler that throws. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { formatFaults, type FaultSpec } from './fault-spec.js';
import { handleApi } from './handle-api.js';
import { handleMedia } from './handle-media.js';
import { readBody } from './read-body.js';
import { gatewayErrorText, sendJson } from './responses.js';
import type { SimContext } from './sim-context.js';
import type { SimStats } from './sim-stats.js';

/** What a running simulator can be told, in process or through `/__sim/*`. */
export interface SimControls {
  stats(): SimStats;
  /** Replaces the active faults (runtime switching: "401 mid-run"); throws FaultSpecError on a bad spec. */
  setFaults(spec: string | readonly FaultSpec[]): void;
  /** Sets the balance (null = unlimited): "500090 mid-run". */
  setBalance(balance: number | null): void;
  /** Starts over with the start options: no videos, counters at zero, the start faults and balance. */
  reset(): void;
}

/** Plain node:http with keep-alive; not listening yet. */
export function createSimServer(ctx: SimContext, controls: SimControls): Server {
  const { logger } = ctx;
  const server = createServer({ keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => {
    const started = performance.now();
    ctx.state.requests++;
    route(ctx, controls, req, res).then(
      () => {
        if (logger.isLevelEnabled('debug')) {
          logger.debug({ method: req.method, path: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
        }
      },
      (error: unknown) => {
        logger.error({ err: error, method: req.method, path: req.url }, 'simulator request failed');
        if (!res.headersSent) sendJson(res, 500, gatewayErrorText('internal_error', 'simulator internal error', ctx.nextRequestId()));
        else res.destroy();
      },
    );
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  server.requestTimeout = 0; // stalls are a feature here; close() ends them
  return server;
}

async function route(ctx: SimContext, controls: SimControls, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  if (path === '/v1/responses') {
    if (req.method !== 'POST') return sendJson(res, 405, gatewayErrorText('method_not_allowed', 'use POST', ctx.nextRequestId()), { Allow: 'POST' });
    return handleApi(ctx, req, res);
  }
  if (path.startsWith('/media/') && (req.method === 'GET' || req.method === 'HEAD')) return handleMedia(ctx, req, res, path);
  if (path === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, JSON.stringify(controls.stats()));
  if (path.startsWith('/__sim/') && req.method === 'POST') return simControl(ctx, controls, req, res, path);
  req.resume();
  sendJson(res, 404, gatewayErrorText('not_found', `no route for ${req.method} ${path}`, ctx.nextRequestId()));
}

async function simControl(ctx: SimContext, controls: SimControls, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const text = (await readBody(req)) ?? '';
  let body: Record<string, unknown> = {};
  try {
    if (text.trim() !== '') body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, JSON.stringify({ ok: false, error: 'body is not valid JSON' }));
  }
  try {
    if (path === '/__sim/reset') controls.reset();
    else if (path === '/__sim/faults') controls.setFaults(typeof body.spec === 'string' ? body.spec : '');
    else if (path === '/__sim/balance') {
      const b = body.balance;
      if (b !== null && (typeof b !== 'number' || !Number.isFinite(b))) throw new RangeError('balance must be a number or null');
      controls.setBalance(b);
    } else return sendJson(res, 404, JSON.stringify({ ok: false, error: `unknown control ${path}` }));
  } catch (error) {
    return sendJson(res, 400, JSON.stringify({ ok: false, error: (error as Error).message }));
  }
  sendJson(res, 200, JSON.stringify({ ok: true, fault_spec: formatFaults(ctx.plan.faults), balance: ctx.state.balance }));
}
