/**
 * The period as a plain-text hledger journal, `<base>.journal`, that `hledger check -s
 * ordereddates` accepts and `hledger bal <cash account>` closes at the statement's closing balance:
 *
 *   - header comments: entity, account, period, zone, cut-off, run ids, audit hashes;
 *   - an opening-balances transaction at period start whose cash posting asserts `= opening`;
 *   - one transaction per statement line; its cash posting asserts `= runningBalance`, so hledger
 *     re-checks every running balance of the statement;
 *   - a closing transaction on the period's last day asserting `= computed closing`;
 *   - `account` declarations for every account posted to (the ones only the lines reveal come last:
 *     the lines stream, and hledger accepts declarations anywhere).
 *
 * Dates are the account's local booking dates (the date part of `bookedAtLocal`), because the
 * period is defined in the account's zone: with UTC dates a line booked just after a summer-time
 * period start would be dated the previous day, before the opening assertion. Each transaction
 * keeps the UTC instant in its `utc:` tag.
 *
 * Postings: the broker cash account moves by the line's signed amount (the broker's fact, which
 * the running balance sums); the other account of the ledger entry takes the opposite amount. When
 * the entry puts cash on the other side than the amount's sign, the transaction says so in a
 * `ledger-sides:` comment instead of letting the cash balance drift. Lines with no ledger entry
 * (quarantined, or a zero amount: both accounts empty) go against `equity:unposted`.
 *
 * Account names are `<top>:<code> <name>`: top-level `assets`, `liabilities`, `equity`, `income`,
 * `expenses` from the account's type in the statement's totals, else from the default chart's
 * numbering (1xxx assets … 5xxx expenses); names come from the header and the totals.
 */
import type { Writable } from 'node:stream';
import { writeArtifact, type Artifact } from './artifact';
import type { Statement, StatementLine, StatementSource } from './model';
import { ChunkedTextWriter, StatementRenderError, assertDecimal, checkedLines, negateDecimal } from './text';

const OPENING_EQUITY = 'equity:opening balances';
const UNPOSTED = 'equity:unposted';
const ACCOUNT_COLUMN_CHARS = 48;
const AMOUNT_COLUMN_CHARS = 12;
/** More distinct accounts or currencies than any chart has means the input is broken. */
const MAX_DECLARATIONS = 10_000;

const TOP_LEVEL_BY_TYPE = new Map([
  ['asset', 'assets'],
  ['liability', 'liabilities'],
  ['equity', 'equity'],
  ['income', 'income'],
  ['revenue', 'income'],
  ['expense', 'expenses'],
]);
const TOP_LEVEL_BY_FIRST_DIGIT = new Map([
  ['1', 'assets'],
  ['2', 'liabilities'],
  ['3', 'equity'],
  ['4', 'income'],
  ['5', 'expenses'],
]);

/** Writes `<baseName>.journal`. */
export async function writeHledgerJournal(source: StatementSource, dir: string, baseName: string): Promise<Artifact[]> {
  return [await writeArtifact(dir, `${baseName}.journal`, (out) => writeJournal(source, out))];
}

async function writeJournal(source: StatementSource, out: Writable): Promise<void> {
  const { statement } = source;
  const { header, rollForward: rf } = statement;
  const sink = new ChunkedTextWriter(out);
  const accounts = new JournalAccounts(statement);
  const cash = accounts.nameOf(header.internalAccount.code);
  const baseCommodity = commoditySymbol(header.baseCurrency);
  const usedCommodities = new Set<string>([baseCommodity]);

  await sink.write(headerComments(statement).join('\n') + '\n\n');
  await sink.write(`decimal-mark .\ncommodity ${commodityFormat(header.scale)}${withSymbol(baseCommodity)}\n\n`);
  for (const name of accounts.declareKnown()) await sink.write(`account ${name}\n`);
  await sink.write('\n');

  const opening = assertDecimal(rf.opening, 'roll-forward opening');
  await sink.write(
    transaction(journalDate(header.periodStart, 'period start'), 'Opening balance', [`source: ${tagValue(rf.openingSource)}`], [
      posting(cash, amountText(opening, baseCommodity), amountText(opening, baseCommodity)),
      posting(OPENING_EQUITY, amountText(negateDecimal(opening, 'roll-forward opening'), baseCommodity)),
    ]),
  );

  for await (const line of checkedLines(source)) {
    const commodity = commoditySymbol(line.currency);
    if (!usedCommodities.has(commodity)) {
      if (usedCommodities.size >= MAX_DECLARATIONS) throw new StatementRenderError(`more than ${MAX_DECLARATIONS} currencies in one statement`);
      usedCommodities.add(commodity);
    }
    await sink.write(lineTransaction(line, header.internalAccount.code, cash, commodity, accounts));
  }

  const closing = assertDecimal(rf.computedClosing, 'roll-forward computed closing');
  const zero = formatZero(header.scale);
  const closingTags = [
    `roll-forward: ${tagValue(rf.status)}`,
    `computed-closing: ${closing}`,
    ...(rf.closing === undefined ? [] : [`broker-closing: ${assertDecimal(rf.closing, 'roll-forward closing')}`]),
    ...(rf.difference === undefined ? [] : [`difference: ${assertDecimal(rf.difference, 'roll-forward difference')}`]),
  ];
  await sink.write(
    transaction(lastDayOfPeriod(header.periodEnd), 'Closing balance', [closingTags.join(', ')], [
      posting(cash, amountText(zero, baseCommodity), amountText(closing, baseCommodity)),
    ]),
  );

  const lateAccounts = accounts.declareUsedSinceKnown();
  const lateCommodities = [...usedCommodities].filter((c) => c !== baseCommodity).sort();
  if (lateAccounts.length > 0 || lateCommodities.length > 0) {
    await sink.write('; Accounts and currencies the lines use beyond those in the statement header and totals.\n');
    for (const name of lateAccounts) await sink.write(`account ${name}\n`);
    for (const symbol of lateCommodities) await sink.write(`commodity ${symbol}\n`);
  }
  await sink.flush();
}

function lineTransaction(line: StatementLine, cashCode: string, cash: string, commodity: string, accounts: JournalAccounts): string {
  const where = `line ${line.line}`;
  const sides = ledgerSides(line, cashCode);
  const counter = sides.counterCode === undefined ? UNPOSTED : accounts.use(sides.counterCode);
  const comments = [
    [
      `line: ${line.line}`,
      `utc: ${tagValue(line.bookedAtUtc)}`,
      `local: ${tagValue(line.bookedAtLocal)}`,
      ...(line.instrument === '' ? [] : [`instrument: ${tagValue(line.instrument)}`]),
      `match: ${tagValue(line.matchStatus)}`,
      `key: ${tagValue(line.key)}`,
    ].join(', '),
  ];
  if (sides.counterCode === undefined) comments.push(`unposted: ${unpostedReason(line)}`);
  if (sides.inverted) {
    comments.push(`ledger-sides: inverted (Dr ${tagValue(line.debitAccount)} / Cr ${tagValue(line.creditAccount)} for a cash movement of ${line.amount}); posted by the sign of the amount`);
  }
  return transaction(journalDate(line.bookedAtLocal, `${where} booked at (local)`), description(line), comments, [
    posting(cash, amountText(line.amount, commodity), amountText(line.runningBalance, commodity)),
    posting(counter, amountText(negateDecimal(line.amount, `${where} amount`), commodity)),
  ]);
}

/**
 * Which account the ledger entry set against broker cash, and whether it put cash on the side the
 * amount's sign implies (debit for money in, credit for money out). `counterCode` is undefined
 * when the line was not posted at all.
 */
function ledgerSides(line: StatementLine, cashCode: string): { counterCode: string | undefined; inverted: boolean } {
  const { debitAccount: debit, creditAccount: credit } = line;
  const sign = !/[1-9]/.test(line.amount) ? 0 : line.amount.startsWith('-') ? -1 : 1;
  if (debit === '' && credit === '') return { counterCode: undefined, inverted: false };
  if (debit === cashCode && credit !== cashCode && credit !== '') return { counterCode: credit, inverted: sign < 0 };
  if (credit === cashCode && debit !== cashCode && debit !== '') return { counterCode: debit, inverted: sign > 0 };
  throw new StatementRenderError(`line ${line.line}: the ledger entry (Dr '${debit}' / Cr '${credit}') does not have the broker cash account ${cashCode} on exactly one side`);
}

function unpostedReason(line: StatementLine): string {
  if (line.matchStatus === 'QUARANTINED') return 'the ledger has no entry for this line (quarantined)';
  if (!/[1-9]/.test(line.amount)) return 'a zero amount, which the ledger posts to no account';
  return 'the ledger has no entry for this line';
}

/** The accounts of the journal: names from the header and totals, declared once each, in a stable order. */
class JournalAccounts {
  private readonly known = new Map<string, { name: string; type: string }>();
  private readonly declared = new Set<string>();
  private readonly usedLate = new Map<string, string>();

  constructor(statement: Statement) {
    const { internalAccount } = statement.header;
    this.known.set(internalAccount.code, { name: internalAccount.name, type: 'asset' });
    for (const total of statement.totalsByAccount) {
      if (!this.known.has(total.code)) this.known.set(total.code, { name: total.name, type: total.type });
    }
  }

  nameOf(code: string): string {
    const info = this.known.get(code);
    const top = TOP_LEVEL_BY_TYPE.get(info?.type.toLowerCase() ?? '') ?? TOP_LEVEL_BY_FIRST_DIGIT.get(code.charAt(0)) ?? 'unclassified';
    const leaf = accountSegment(info === undefined || info.name === '' ? code : `${code} ${info.name}`);
    if (leaf === '') throw new StatementRenderError(`account code '${code}' has no printable characters`);
    return `${top}:${leaf}`;
  }

  /** Declarations for the header's and totals' accounts plus the journal's own, sorted by code. */
  declareKnown(): string[] {
    const names = [...this.known.keys()].sort().map((code) => this.nameOf(code));
    names.push(OPENING_EQUITY, UNPOSTED);
    for (const name of names) this.declared.add(name);
    return names;
  }

  /** The account name for `code`, remembered for a late declaration when the header and totals did not list it. */
  use(code: string): string {
    const name = this.nameOf(code);
    if (!this.declared.has(name) && !this.usedLate.has(code)) {
      if (this.usedLate.size >= MAX_DECLARATIONS) throw new StatementRenderError(`more than ${MAX_DECLARATIONS} ledger accounts in one statement`);
      this.usedLate.set(code, name);
    }
    return name;
  }

  declareUsedSinceKnown(): string[] {
    return [...this.usedLate.keys()].sort().map((code) => this.usedLate.get(code) as string);
  }
}

function headerComments(statement: Statement): string[] {
  const { header: h, rollForward: rf, audit } = statement;
  const lines = [
    `hledger journal of the ${h.broker} account ${h.brokerAccountId} of ${h.legalEntity}, period ${h.period}`,
    `broker cash: ${h.internalAccount.code} ${h.internalAccount.name}, base currency ${h.baseCurrency}`,
    `period ${h.periodStart} (inclusive) to ${h.periodEnd} (exclusive), time zone ${h.timeZone}`,
    `cut-off: ${h.cutOffRule}`,
    `dates are local booking dates in ${h.timeZone}; each transaction's utc: tag keeps the UTC instant`,
    `roll-forward ${rf.status}: ${rf.verdict}`,
    ...rf.reasons.map((reason) => `roll-forward reason: ${reason}`),
    `generated ${h.generatedAt}, run ${h.runId}, workflow ${h.workflowId}, Temporal run ${h.temporalRunId}, code ${h.codeVersion}`,
    `audit: raw inputs sha256 ${audit.rawInputsSha256}, hash-chain head ${audit.chainHead}, code ${audit.codeVersion}`,
    `${statement.lineCount} lines; check with: hledger -f <this file> check -s ordereddates`,
  ];
  return lines.map((line) => `; ${commentText(line)}`);
}

function transaction(date: string, text: string, comments: string[], postings: string[]): string {
  return [`${date} ${text}`, ...comments.map((c) => `    ; ${c}`), ...postings, ''].join('\n') + '\n';
}

function posting(account: string, amount: string, assertion?: string): string {
  const head = `    ${account.padEnd(ACCOUNT_COLUMN_CHARS)}  ${amount.padStart(AMOUNT_COLUMN_CHARS)}`;
  return assertion === undefined ? head : `${head} = ${assertion}`;
}

function amountText(decimal: string, commodity: string): string {
  return `${decimal}${withSymbol(commodity)}`;
}

function withSymbol(commodity: string): string {
  return commodity === '' ? '' : ` ${commodity}`;
}

/** `TRADE 100000 | Trade closed`: hledger's `payee | note` form, with nothing that would end or split it. */
function description(line: StatementLine): string {
  const type = oneLine(line.transactionType).replace(/^[*!(]+/, '') || 'UNKNOWN';
  const payee = [type, oneLine(line.reference)].filter((part) => part !== '').join(' ');
  const note = oneLine(line.note);
  return note === '' ? payee : `${payee} | ${note}`;
}

/** Free text for a description: no control characters, no `;` (starts a comment), no `|` (splits payee and note). */
function oneLine(text: string): string {
  return commentText(text).replace(/;/g, ',').replace(/\|/g, '/');
}

/** Text inside a comment: one line, single spaces. */
function commentText(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ').replace(/ {2,}/g, ' ').trim();
}

/** A tag value ends at a comma. */
function tagValue(text: string): string {
  return commentText(text.replace(/,/g, ' '));
}

/** One account name segment: no `:` (a sub-account), no two spaces (ends the name), no comment or amount syntax. */
function accountSegment(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\p{Pd} .,&'/()]/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Letters-only symbols as they are (`USD`, `USDd`); anything else double-quoted, as hledger requires. */
function commoditySymbol(currency: string): string {
  if (/^\p{L}+$/u.test(currency)) return currency;
  const inner = currency.replace(/["\p{Cc};]/gu, '').trim();
  return inner === '' ? '' : `"${inner}"`;
}

function commodityFormat(scale: number): string {
  // hledger wants a decimal mark in a commodity directive even with no decimals.
  return `1000.${'0'.repeat(scale)}`;
}

function formatZero(scale: number): string {
  return scale === 0 ? '0' : `0.${'0'.repeat(scale)}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** The wall-clock date of an ISO instant written with its zone's offset. */
function journalDate(isoWithOffset: string, what: string): string {
  const match = ISO_DATE.exec(isoWithOffset);
  if (match === null) throw new StatementRenderError(`${what} is not an ISO 8601 date-time: '${isoWithOffset}'`);
  return match[0];
}

/** The last local date inside the period: the end's date, or the day before when the end is a midnight. */
function lastDayOfPeriod(periodEnd: string): string {
  const date = journalDate(periodEnd, 'period end');
  if (!/^\d{4}-\d{2}-\d{2}T00:00(:00(\.0+)?)?(Z|[+-]\d{2}:\d{2})$/.test(periodEnd)) return date;
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}
