import { describe, expect, it } from 'vitest';
import { FaultSpecError, formatFaults, parseFaultSpec, resolveFaults } from '../../src/simulator/fault-spec.js';
import { api, idOf, sleep, submit, useSimulators, waitDone } from './sim-helpers.js';

const sim = useSimulators();

describe('the outage and fail-every-job faults (issue 21)', () => {
  it('parse: a window opened after N accepted submits, for a real duration; nothing else applies to it', () => {
    expect(parseFaultSpec('outage@after=10&for=20s, outage/fetch@for=500ms, outage@for=2.5')).toEqual([
      { name: 'outage', after: 10, for: 20_000 },
      { name: 'outage', ops: ['fetch'], for: 500 },
      { name: 'outage', for: 2_500 },
    ]);
    expect(formatFaults(resolveFaults('outage@after=3&for=2s'))).toBe('outage/submit+fetch@after=3&for=2000ms');
    for (const bad of ['outage:0.5', 'outage@every=2', 'outage@for=soon', 'html-502@for=2']) expect(() => resolveFaults(bad), bad).toThrow(FaultSpecError);
  });

  it('every call in the window is an HTML 502 before the key is looked at; nothing is created or charged; then all is as before', async () => {
    const s = await sim({ faults: 'outage@after=1&for=400ms' });
    const first = idOf((await submit(s.url)).text);
    const down = await submit(s.url);
    expect(down.status).toBe(502);
    expect(down.headers['content-type']).toMatch(/text\/html/);
    const charged = s.stats().credits.charged;
    const fetched = await api(s.url, { model: 'paiwo-get', input: first });
    expect(fetched.status).toBe(502);
    expect(s.stats()).toMatchObject({ submits: { accepted: 1, rejected: 1 }, credits: { charged }, outage_requests: { submit: 1, fetch: 1, media: 0 } });
    await sleep(450);
    expect((await submit(s.url)).status).toBe(200);
    expect(s.stats().submits.accepted).toBe(2);
    expect(s.stats().faults.outage).toBe(2);
  });

  it('fail-every-job: every accepted generation ends in status 8, charged, not refunded', async () => {
    const s = await sim({ faults: 'fail-every-job' });
    const ids = [idOf((await submit(s.url)).text), idOf((await submit(s.url)).text)];
    for (const id of ids) expect((await waitDone(s.url, id)).resp.status).toBe(8);
    expect(s.stats().credits.refunded).toBe(0);
    expect(s.stats().credits.charged).toBeGreaterThan(0);
    expect(s.stats().faults['fail-every-job']).toBe(2);
  });
});
