import type { Command } from 'commander';

/** `recon api`: the HTTP API (issue 6; being built). */
export function registerApiCommand(program: Command): void {
  void program;
}
