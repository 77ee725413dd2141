/** When settlement runs on its own (UMF_SETTLEMENT_CUTOFF, UMF_SETTLEMENT_TIME). */
export interface SettlementSchedule {
  /** Minutes after China midnight of the settle date: what completed before is settled that date. */
  readonly cutoffMinutes: number;
  /** Minutes after China midnight the daily run starts; undefined: no scheduled runs (command only). */
  readonly runAtMinutes: number | undefined;
}

/** Cut-off 00:00 (T+1: yesterday's items), run at 02:00 China time. */
export const DEFAULT_SETTLEMENT_SCHEDULE: SettlementSchedule = { cutoffMinutes: 0, runAtMinutes: 120 };
