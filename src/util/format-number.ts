/** A count or an amount of credits as every output of paiwo-batch writes it: digits grouped by thousands, 70,000. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const [whole, fraction] = String(Math.abs(value)).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

/** "credits" or, for a rehearsal against the simulator, "simulated credits": a rehearsal never spends real ones. */
export function creditsWord(rehearsal: boolean): string {
  return rehearsal ? 'simulated credits' : 'credits';
}
