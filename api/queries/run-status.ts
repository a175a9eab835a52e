/** The values the workflow writes to its ReconStatus search attribute (workflows/reconcile-account-period.ts). */
export const reconStatusValues = ['RUNNING', 'COMPLETED', 'COMPLETED_WITH_EXCEPTIONS', 'FAILED'] as const;

export type ReconStatusValue = (typeof reconStatusValues)[number];
