/**
 * How CLI commands reach Temporal and the database: one place for the default address, a quick
 * refusal when nothing listens, and the one-sentence errors that say how to fix it.
 */
import type { Client } from '@temporalio/client';
import net from 'node:net';
import type { Config } from '../lib/config';
import { connectMongo, describeMongoUri, type MongoHandle } from '../lib/store/mongo';
import { connectTemporalClient } from '../lib/temporal/client';
import { UserError } from './errors';

/** Where `recon dev` serves Temporal unless told otherwise. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
/** A refused or unresolvable address fails at once; a silent one gets this long. */
const PROBE_TIMEOUT_MS = 3_000;

export function temporalAddressOf(config: Config): string {
  return config.temporal.address ?? DEFAULT_TEMPORAL_ADDRESS;
}

/** A Temporal client for the configured server; close it with `client.connection.close()`. */
export async function connectTemporal(config: Config): Promise<Client> {
  const address = temporalAddressOf(config);
  // gRPC retries a refused connection until its deadline (10 s); a plain TCP connect knows at once.
  const refused = await tcpProblem(address);
  if (refused) throw temporalUnreachable(address, refused);
  try {
    return await connectTemporalClient({ address, namespace: config.temporal.namespace });
  } catch (error) {
    throw temporalUnreachable(address, reasonOf(error));
  }
}

export function temporalUnreachable(address: string, reason: string): UserError {
  return new UserError(`cannot reach Temporal at ${address} (${reason}): start it with \`recon dev\` or set TEMPORAL_ADDRESS to a running server.`);
}

/** The configured database for `command` (named in the error when MONGODB_URI is missing). */
export async function connectDatabase(config: Config, command: string): Promise<MongoHandle> {
  if (!config.mongo.uri) throw new UserError(`${command} needs MONGODB_URI: start the stack with \`recon dev\` (it prints the variable) or set it to a running MongoDB.`);
  // The URI's host part only: a connection string can carry a password.
  const unreachable = (reason: string) => new UserError(`cannot reach the database at ${describeMongoUri(config.mongo.uri as string)} (${reason}): start it with \`recon dev\` or set MONGODB_URI to a running server.`);
  const single = singleMongoHost(config.mongo.uri);
  const refused = single ? await tcpProblem(single) : undefined;
  if (refused) throw unreachable(refused);
  try {
    return await connectMongo(config.mongo.uri, config.mongo.database);
  } catch (error) {
    throw unreachable(reasonOf(error));
  }
}

/** `host:port` of a plain one-host URI, which a TCP connect can check at once; else undefined (SRV, replica sets). */
function singleMongoHost(uri: string): string | undefined {
  const hosts = /^mongodb:\/\/(?:[^@/]*@)?([^/?]*)/.exec(uri)?.[1];
  if (!hosts || hosts.includes(',')) return undefined;
  return /:\d+$/.test(hosts) ? hosts : `${hosts}:27017`;
}

/** The driver's own words, without the advice lib/ adds (ours replaces it). */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return (cause instanceof Error ? cause.message : String(cause)).replace(/\.\s*$/, '');
}

/** Why a TCP connection to `host:port` cannot be made right now, or undefined when it can (or might). */
async function tcpProblem(address: string): Promise<string | undefined> {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match) return undefined; // not host:port: let the client report it
  const host = (match[1] as string).replace(/^\[(.*)\]$/, '$1');
  const port = Number(match[2]);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    // Silence is not a refusal (a firewall may drop packets): the client decides then.
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(undefined));
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED' ? 'connection refused' : error.code === 'ENOTFOUND' ? 'unknown host' : error.message));
  });
}
