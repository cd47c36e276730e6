/**
 * CPU time a rehearsal spends rendering one take with ffmpeg (the take and its poster), measured: about 0.1 s
 * per take on the 2-core bench machine (issue 25; renders are being made cheaper, so this figure is revisited
 * with them). `plan --simulator` estimates a rehearsal's rendering time as takes × this ÷ the machine's cores.
 * Without ffmpeg the simulator serves its shipped clip and renders nothing.
 */
export const REHEARSAL_RENDER_CPU_MS_PER_TAKE = 100;
