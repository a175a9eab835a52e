/** The cash roll-forward as a run reports and stores it (exact decimals as text); built by the proveRollForward activity. */

export interface AnchorOutcome {
  snapshotId: string;
  snapshotAt: string;
  snapshotCash: string;
  bridge: { from: string; to: string; rows: number; net: string };
  /** The snapshot carried to the boundary. */
  balance: string;
}

export type RollForwardStatus = 'PROVEN' | 'DIFFERENCE' | 'UNPROVEN';

/** The cash roll-forward as the run reports it: exact decimals as text. */
export interface RollForwardSummary {
  status: RollForwardStatus;
  /** Why it is not PROVEN (empty when it is). */
  reasons: string[];
  /** From the opening snapshot; when there is none, derived as closing − movements and marked so. */
  opening?: string;
  openingDerived: boolean;
  closing?: string;
  computedClosing?: string;
  /** closing − computedClosing. */
  difference?: string;
  movements: {
    deposits: string;
    withdrawals: string;
    realisedPnl: string;
    commissions: string;
    commissionsByType: Record<string, string>;
    overnightFundingCredits: string;
    overnightFundingDebits: string;
    other: string;
    otherByType: Record<string, string>;
  };
  net: string;
  movementCount: number;
  unknownTypes: string[];
  anchors: { opening?: AnchorOutcome; closing?: AnchorOutcome };
}
