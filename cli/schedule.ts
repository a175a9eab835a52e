import type { Command } from 'commander';

/** `recon schedule …`: monthly reconciliations as Temporal Schedules (issue 6; being built). */
export function registerScheduleCommands(program: Command): void {
  void program;
}
