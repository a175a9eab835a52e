import { MongoClient, type Db } from 'mongodb';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

/**
 * Connects to MongoDB (or a MongoDB-compatible server) and checks it answers. The error names the
 * server without its credentials.
 */
export async function connectMongo(uri: string, database: string, options: { timeoutMs?: number } = {}): Promise<MongoHandle> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, appName: 'capital-recon' });
  try {
    await client.connect();
    await client.db(database).command({ ping: 1 });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new Error(
      `Cannot reach MongoDB at ${describeMongoUri(uri)}: ${(error as Error).message}. ` +
        'Start the stack with `npx recon dev`, or set MONGODB_URI to a running server.',
      { cause: error },
    );
  }
  return { client, db: client.db(database), close: () => client.close() };
}

/** The URI's host part only: never user names or passwords. */
export function describeMongoUri(uri: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)(?:[^@/]*@)?([^/?]*)/.exec(uri);
  return match ? `${match[1]}${match[2]}` : 'the configured MONGODB_URI';
}
