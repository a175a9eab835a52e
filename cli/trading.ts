import { InvalidArgumentError, type Command } from 'commander';
import type { StoredOrder } from '../activities';
import { alertView } from '../api/routes/alerts';
import { changeView, orderView } from '../api/routes/orders';
import { loadConfig } from '../lib/config';
import { acknowledgeAlert, ALERT_KINDS, listAlerts, type AlertKind } from '../lib/store/alerts';
import { exposureSnapshotAt } from '../lib/store/exposure';
import type { MongoHandle } from '../lib/store/mongo';
import { findLifecycle, listLifecycles, orderChanges } from '../lib/store/orders';
import type { ExposureSnapshot } from '../lib/trading/exposure';
import { ORDER_STATES } from '../lib/trading/orders';
import { formatFixed, toDecimal } from '../lib/money';
import { connectDatabase } from './connections';
import { UserError } from './errors';
import { parseInstant } from './parse';
import { printJson, printTable } from './table';

const LISTED_MAX = 200;
const OPEN = ['INTENDED', 'CREATED', 'AMENDED'];

/** `recon orders`, `recon exposure`, `recon alerts`: what the trading monitors stored (docs/trading-monitor.md). */
export function registerTradingCommands(program: Command): void {
  program
    .command('orders')
    .description('Working-order lifecycles the monitor has seen (open ones by default), or one order with its change log')
    .argument('[dealId]', "one order's lifecycle and change log")
    .option('--account <id>', 'only this account (required with a dealId)')
    .option('--state <state>', `open, closed, all, or one of ${ORDER_STATES.join(', ')}`, parseStateFilter, 'open')
    .option('--json', 'print as JSON')
    .action((dealId: string | undefined, options: { account?: string; state: string; json?: boolean }) =>
      withDatabase('recon orders', async (mongo) => {
        if (dealId) return showOrder(mongo, dealId, options);
        const states = options.state === 'open' ? OPEN : options.state === 'closed' ? ORDER_STATES.filter((s) => !OPEN.includes(s)) : options.state === 'all' ? undefined : [options.state];
        const orders = (await listLifecycles<StoredOrder>(mongo.db, { limit: LISTED_MAX, ...(options.account ? { accountId: options.account } : {}), ...(states ? { states } : {}) })).map(orderView);
        if (options.json) return printJson(orders);
        if (orders.length === 0) return console.log(`No ${options.state === 'all' ? '' : `${options.state} `}orders seen${options.account ? ` for account ${options.account}` : ''}. Is the monitor running? (recon monitor status --account …)`);
        printTable(
          ['account', 'deal id', 'epic', 'state', 'since', 'level', 'size', 'last step'],
          orders.map((o) => [o.accountId, o.dealId, o.epic, o.missingSince ? `${o.state} (missing)` : o.state, o.history.at(-1)?.at ?? '', String(o.terms?.level ?? ''), String(o.terms?.size ?? ''), o.history.at(-1)?.reason ?? '']),
        );
      }),
    );

  program
    .command('exposure')
    .description("An account's latest exposure snapshot: totals, leverage, concentration, by instrument type and currency, and limit breaches")
    .requiredOption('--account <id>', 'the Capital.com account id')
    .option('--at <time>', 'the snapshot in force at this UTC time (ISO 8601) instead of the latest', parseInstant)
    .option('--json', 'print the whole snapshot as JSON')
    .action((options: { account: string; at?: number; json?: boolean }) =>
      withDatabase('recon exposure', async (mongo) => {
        const stored = await exposureSnapshotAt<ExposureSnapshot>(mongo.db, options.account, options.at);
        if (!stored) throw new UserError(`no exposure snapshot of account ${options.account}${options.at !== undefined ? ' at that time' : ''}: start the monitor with \`recon monitor start --account ${options.account}\``);
        if (options.json) return printJson(stored);
        printExposure(stored.snapshot);
      }),
    );

  const alerts = program
    .command('alerts')
    .description('Alerts of the trading monitors (open ones by default): governance, drift, illegal transitions, unexplained orders, exposure limits')
    .option('--account <id>', 'only this account')
    .option('--all', 'acknowledged and resolved ones too')
    .option('--kind <kind>', `one kind: ${ALERT_KINDS.join(', ')}`, parseKind)
    .option('--json', 'print as JSON')
    .action((options: { account?: string; all?: boolean; kind?: AlertKind; json?: boolean }) =>
      withDatabase('recon alerts', async (mongo) => {
        const found = (await listAlerts(mongo.db, { limit: LISTED_MAX, ...(options.account ? { accountId: options.account } : {}), ...(options.all ? {} : { status: 'open' as const }), ...(options.kind ? { kind: options.kind } : {}) })).map(alertView);
        if (options.json) return printJson(found);
        if (found.length === 0) return console.log(options.all ? 'No alerts.' : 'No open alerts.');
        printTable(
          ['severity', 'kind', 'subject', 'status', 'last seen', 'seen', 'message'],
          found.map((a) => [a.severity, a.kind, a.subject, a.status, a.lastSeenAt, `${a.occurrences}×`, a.message]),
        );
        console.log(`\nAcknowledge one with \`recon alerts ack <id>\`; ids: --json.`);
      }),
    );

  alerts
    .command('ack')
    .description('Acknowledge an alert: a one-off alert is done; an ongoing one still resolves by itself')
    .argument('<id>', 'the alert id (recon alerts --json)')
    .action((id: string) =>
      withDatabase('recon alerts ack', async (mongo) => {
        const alert = await acknowledgeAlert(mongo.db, id, Date.now());
        if (!alert) throw new UserError(`there is no alert ${id}: \`recon alerts --all --json\` lists them`);
        console.log(`${id}: ${alert.status}.`);
      }),
    );
}

async function showOrder(mongo: MongoHandle, dealId: string, options: { account?: string; json?: boolean }): Promise<void> {
  if (!options.account) throw new UserError('recon orders <dealId> needs --account <id>');
  const document = await findLifecycle<StoredOrder>(mongo.db, options.account, dealId);
  if (!document) throw new UserError(`the monitor of account ${options.account} has not seen order ${dealId}`);
  const changeLog = (await orderChanges(mongo.db, options.account, dealId, 1000)).map(changeView);
  const order = orderView(document);
  if (options.json) return printJson({ ...order, changeLog });
  console.log(`${order.dealId} ${order.epic} (${order.instrumentId}): ${order.state}${order.missingSince ? `, missing since ${order.missingSince}` : ''}`);
  printTable(['at', 'state', 'reason'], order.history.map((step) => [step.at, step.state, step.reason]));
  console.log('');
  printTable(
    ['at', 'change', 'fields', 'reason'],
    changeLog.map((c) => [c.at, c.toState ? `${c.kind} ${c.fromState ?? ''}→${c.toState}` : c.kind, c.changes.map((f) => `${f.field}: ${String(f.before)} → ${String(f.after)}`).join('; '), c.reason]),
  );
}

/** Money for people: two decimals (the snapshot and --json keep every digit). */
function money(text: string): string {
  return formatFixed(toDecimal(text), 2);
}

function printExposure(s: ExposureSnapshot): void {
  const ccy = s.accountCurrency;
  console.log(`Exposure of ${s.accountId} at ${new Date(s.atMs).toISOString()} (${ccy}; limits ${s.limitsVersion})${s.complete ? '' : ' (INCOMPLETE: some currencies could not be converted)'}`);
  console.log(`  equity ${money(s.equity)}, gross ${money(s.totals.grossExposure)}, net ${money(s.totals.netExposure)}, margin ${money(s.totals.margin)}, unrealised P/L ${money(s.totals.unrealisedPnl)} ${ccy}`);
  console.log(`  effective leverage ${s.leverage.effective ?? 'n/a (equity not positive)'}; ${s.totals.positionCount} positions${s.concentration ? `; largest ${s.concentration.epic} ${formatFixed(toDecimal(s.concentration.percent), 2)}% of gross` : ''}`);
  if (s.changes) console.log(`  since ${new Date(s.changes.previousAtMs).toISOString()}: gross ${signed(money(s.changes.totals.grossExposure))}, net ${signed(money(s.changes.totals.netExposure))}, P/L ${signed(money(s.changes.totals.unrealisedPnl))}`);
  console.log('');
  printTable(['instrument type', 'positions', `gross ${ccy}`, `net ${ccy}`, `margin ${ccy}`, 'leverage'], s.byInstrumentType.map((a) => [a.key, String(a.positionCount), money(a.grossExposure), money(a.netExposure), money(a.margin), a.leverage ?? 'n/a']));
  console.log('');
  printTable(['currency', 'positions', 'gross (in currency)', `gross ${ccy}`, `net ${ccy}`], s.byCurrency.map((a) => [a.key, String(a.positionCount), money(a.grossInCurrency), money(a.grossExposure), money(a.netExposure)]));
  if (s.breaches.length > 0) {
    console.log('');
    printTable(['severity', 'limit', 'key', 'value', 'threshold'], s.breaches.map((b) => [b.severity, b.limit, b.key, b.value ?? 'n/a', b.threshold ?? '']));
  }
}

function signed(text: string): string {
  return text.startsWith('-') ? text : `+${text}`;
}

async function withDatabase(command: string, work: (mongo: MongoHandle) => Promise<void>): Promise<void> {
  const mongo = await connectDatabase(loadConfig(), command);
  try {
    await work(mongo);
  } finally {
    await mongo.close();
  }
}

function parseStateFilter(value: string): string {
  const upper = value.toUpperCase();
  if ((ORDER_STATES as readonly string[]).includes(upper)) return upper;
  if (['open', 'closed', 'all'].includes(value)) return value;
  throw new InvalidArgumentError(`'${value}' is not open, closed, all or one of ${ORDER_STATES.join(', ')}`);
}

function parseKind(value: string): AlertKind {
  if (!(ALERT_KINDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`'${value}' is not one of ${ALERT_KINDS.join(', ')}`);
  return value as AlertKind;
}


