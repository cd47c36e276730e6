/**
 * CPU time a rehearsal spends rendering one take with ffmpeg (the take and its poster frame, made together,
 * up to 8 takes per ffmpeg process): 35.5 ms measured by `BENCH_SPLIT=1 npm run bench:rehearsal` (2,000 takes at
 * 360p/5 s on the 2-core bench machine, under load; 53 ms per take with the runner and the simulator). Rounded
 * up for larger takes. `plan --simulator` estimates a rehearsal's rendering time as takes × this ÷ the machine's
 * cores. Without ffmpeg the simulator serves its shipped clip and renders nothing.
 */
export const REHEARSAL_RENDER_CPU_MS_PER_TAKE = 40;
