import { Client, Connection } from '@temporalio/client';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** A Temporal client for `target`; close it with `client.connection.close()`. */
export async function connectTemporalClient(target: TemporalTarget, connectTimeoutMs = 10_000): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: connectTimeoutMs });
  } catch (error) {
    throw new Error(
      `Cannot reach Temporal at ${target.address}: ${(error as Error).message}. ` +
        'Start the stack with `npx recon dev`, or set TEMPORAL_ADDRESS to a running server.',
      { cause: error },
    );
  }
  return new Client({ connection, namespace: target.namespace });
}
