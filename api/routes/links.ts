/** Path-segment encoding that leaves the colons of workflow ids readable (they are legal there). */
const segment = (value: string) => encodeURIComponent(value).replace(/%3A/gi, ':');

/** Where a client goes next from a run: its summary, exceptions, proof trace and statements. */
export function runLinks(workflowId: string, run?: { accountId: string | null; period: string | null }): Record<string, string> {
  const id = segment(workflowId);
  return {
    self: `/runs/${id}`,
    exceptions: `/runs/${id}/exceptions`,
    trace: `/runs/${id}/trace`,
    ...(run?.accountId && run.period ? { statements: `/statements?accountId=${encodeURIComponent(run.accountId)}&period=${run.period}` } : {}),
  };
}

export function statementFileHref(workflowId: string, file: string): string {
  return `/statements/${segment(workflowId)}/${segment(file)}`;
}
