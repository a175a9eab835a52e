import { defineSearchAttributeKey } from '@temporalio/common';

// Typed search attributes of reconciliation runs: how auditors find a run in the Temporal UI.
// No personal data goes here: ids, periods, statuses and counts only.
export const ReconAccountId = defineSearchAttributeKey('ReconAccountId', 'KEYWORD');
export const ReconPeriod = defineSearchAttributeKey('ReconPeriod', 'KEYWORD');
export const ReconStatus = defineSearchAttributeKey('ReconStatus', 'KEYWORD');
export const ReconExceptionCount = defineSearchAttributeKey('ReconExceptionCount', 'INT');

export const RECON_SEARCH_ATTRIBUTES = [ReconAccountId, ReconPeriod, ReconStatus, ReconExceptionCount] as const;
