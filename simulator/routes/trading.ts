import {
  createPositionRequestSchema,
  createWorkingOrderRequestSchema,
  updatePositionRequestSchema,
  updateWorkingOrderRequestSchema,
} from '../../lib/capital/schemas';
import { parseBrokerUtc } from '../../lib/capital/broker-time';
import { canonical, toDecimal } from '../../lib/money';
import { findMarket, leverageOf, marketByEpic } from '../data/markets';
import { isOpenAt } from '../data/opening-hours';
import { quoteAt } from '../data/prices';
import { wireLocal, wireUtc } from '../data/time';
import { checkBrackets, checkSize, type BracketRequest } from '../dealing-rules';
import { fail, ok, type Route, type RouteContext, type RouteResult } from '../router';
import { newPositionWire, type TradingBook } from '../trading-book';

type BookOf = (ctx: RouteContext) => TradingBook;

const invalid = (issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): RouteResult => fail(400, `error.invalid.${issues[0]?.path.map(String).join('.') || 'request'}`);
const number = (d: ReturnType<typeof toDecimal>) => Number(canonical(d));

/** Positions, working orders and deal confirmations (§5, §6). */
export function tradingRoutes(bookOf: BookOf): Route[] {
  return [
    { method: 'GET', path: '/positions', auth: true, handle: (ctx) => ok({ positions: bookOf(ctx).positionsAt(ctx.now) }) },
    {
      method: 'GET',
      path: '/positions/:dealId',
      auth: true,
      handle(ctx) {
        const item = bookOf(ctx).position(ctx.params.dealId as string, ctx.now);
        return item ? ok(item) : fail(404, 'error.not-found.dealId');
      },
    },
    {
      method: 'POST',
      path: '/positions',
      auth: true,
      trading: true,
      handle(ctx) {
        const parsed = createPositionRequestSchema.safeParse(ctx.body ?? {});
        if (!parsed.success) return invalid(parsed.error.issues);
        const request = parsed.data;
        const market = findMarket(request.epic);
        if (!market) return fail(404, 'error.not-found.epic');
        const size = checkSize(market, request.size);
        if (!size.ok) return fail(size.status, size.errorCode);
        const quote = quoteAt(market.epic, ctx.now);
        const entry = toDecimal(request.direction === 'BUY' ? quote.ofr : quote.bid);
        const brackets = checkBrackets(market, request.direction, entry, size.value, request as BracketRequest);
        if (!brackets.ok) return fail(brackets.status, brackets.errorCode);

        const book = bookOf(ctx);
        const dealReference = book.nextOrderReference();
        const orderId = book.nextDealId();
        const base = { epic: market.epic, dealId: orderId, level: number(entry), size: request.size, direction: request.direction, guaranteedStop: request.guaranteedStop ?? false, trailingStop: request.trailingStop ?? false };
        if (!isOpenAt(market.sessions, ctx.now)) {
          book.confirm(dealReference, ctx.now, { ...base, status: 'OPEN', reason: 'MARKET_CLOSED', rejectReason: 'MARKET_CLOSED', dealStatus: 'REJECTED', affectedDeals: [] });
          return ok({ dealReference });
        }
        const position = newPositionWire(book, {
          epic: market.epic,
          direction: request.direction,
          size: size.value,
          level: entry,
          now: ctx.now,
          workingOrderId: orderId,
          guaranteedStop: request.guaranteedStop ?? false,
          trailingStop: request.trailingStop ?? false,
          ...brackets.value,
        });
        book.open(position);
        book.confirm(dealReference, ctx.now, { ...base, status: 'OPEN', reason: 'SUCCESS', dealStatus: 'ACCEPTED', affectedDeals: [{ dealId: position.dealId, status: 'OPENED' }] });
        return ok({ dealReference });
      },
    },
    {
      method: 'PUT',
      path: '/positions/:dealId',
      auth: true,
      handle(ctx) {
        const parsed = updatePositionRequestSchema.safeParse(ctx.body ?? {});
        if (!parsed.success) return invalid(parsed.error.issues);
        const book = bookOf(ctx);
        const item = book.position(ctx.params.dealId as string, ctx.now);
        if (!item) return fail(404, 'error.not-found.dealId');
        const { position, market: summary } = item;
        const market = marketByEpic(summary.epic);
        const merged: BracketRequest = {
          guaranteedStop: parsed.data.guaranteedStop ?? position.guaranteedStop,
          trailingStop: parsed.data.trailingStop ?? position.trailingStop ?? false,
          ...keep('stop', position.stopLevel, parsed.data),
          ...keep('profit', position.profitLevel, parsed.data),
        };
        const brackets = checkBrackets(market, position.direction, toDecimal(position.level), toDecimal(position.size), merged);
        if (!brackets.ok) return fail(brackets.status, brackets.errorCode);
        const { stopLevel: _stop, profitLevel: _profit, trailingStop: _trailing, stopDistance: _distance, ...rest } = position;
        book.replacePosition({
          ...rest,
          epic: summary.epic,
          guaranteedStop: merged.guaranteedStop ?? false,
          ...(brackets.value.stopLevel ? { stopLevel: number(brackets.value.stopLevel) } : {}),
          ...(brackets.value.profitLevel ? { profitLevel: number(brackets.value.profitLevel) } : {}),
          ...(merged.trailingStop && brackets.value.stopDistance ? { trailingStop: true, stopDistance: number(brackets.value.stopDistance) } : {}),
        });
        const dealReference = `p_${position.dealId}`;
        book.confirm(dealReference, ctx.now, { status: 'AMENDED', reason: 'SUCCESS', dealStatus: 'ACCEPTED', epic: summary.epic, dealId: position.dealId, affectedDeals: [{ dealId: position.dealId, status: 'AMENDED' }], level: position.level, size: position.size, direction: position.direction, guaranteedStop: merged.guaranteedStop ?? false, trailingStop: merged.trailingStop ?? false });
        return ok({ dealReference });
      },
    },
    {
      method: 'DELETE',
      path: '/positions/:dealId',
      auth: true,
      handle(ctx) {
        const book = bookOf(ctx);
        const item = book.position(ctx.params.dealId as string, ctx.now);
        if (!item) return fail(404, 'error.not-found.dealId');
        const { position, market } = item;
        book.close(position.dealId);
        const dealReference = `p_${position.dealId}`;
        const exit = position.direction === 'BUY' ? market.bid : market.offer;
        book.confirm(dealReference, ctx.now, { status: 'CLOSED', reason: 'SUCCESS', dealStatus: 'ACCEPTED', epic: market.epic, dealId: position.dealId, affectedDeals: [{ dealId: position.dealId, status: 'FULLY_CLOSED' }], level: exit, size: position.size, direction: position.direction === 'BUY' ? 'SELL' : 'BUY', guaranteedStop: position.guaranteedStop, trailingStop: position.trailingStop ?? false, profit: position.upl, profitCurrency: book.account.currency });
        return ok({ dealReference });
      },
    },
    { method: 'GET', path: '/workingorders', auth: true, handle: (ctx) => ok({ workingOrders: bookOf(ctx).ordersAt(ctx.now) }) },
    {
      method: 'POST',
      path: '/workingorders',
      auth: true,
      trading: true,
      handle(ctx) {
        const parsed = createWorkingOrderRequestSchema.safeParse(ctx.body ?? {});
        if (!parsed.success) return invalid(parsed.error.issues);
        const request = parsed.data;
        const market = findMarket(request.epic);
        if (!market) return fail(404, 'error.not-found.epic');
        const goodTillMs = request.goodTillDate ? parseBrokerUtc(request.goodTillDate) : undefined;
        if (goodTillMs !== undefined && goodTillMs <= ctx.now) return fail(400, 'error.not-in-future.goodTillDate');
        const size = checkSize(market, request.size);
        if (!size.ok) return fail(size.status, size.errorCode);
        const level = toDecimal(request.level);
        const brackets = checkBrackets(market, request.direction, level, size.value, request as BracketRequest);
        if (!brackets.ok) return fail(brackets.status, brackets.errorCode);

        const book = bookOf(ctx);
        const dealReference = book.nextOrderReference();
        const dealId = book.nextDealId();
        const offset = book.account.timezoneOffset;
        book.place({
          dealId,
          direction: request.direction,
          epic: market.epic,
          orderSize: request.size,
          leverage: leverageOf(market),
          orderLevel: request.level,
          timeInForce: goodTillMs !== undefined ? 'GOOD_TILL_DATE' : 'GOOD_TILL_CANCELLED',
          ...(goodTillMs !== undefined ? { goodTillDate: wireLocal(goodTillMs, offset), goodTillDateUTC: wireUtc(goodTillMs) } : {}),
          createdDate: wireLocal(ctx.now, offset),
          createdDateUTC: wireUtc(ctx.now),
          guaranteedStop: request.guaranteedStop ?? false,
          orderType: request.type,
          ...(brackets.value.stopLevel ? { stopDistance: number(level.minus(brackets.value.stopLevel).abs()) } : {}),
          ...(brackets.value.profitLevel ? { profitDistance: number(brackets.value.profitLevel.minus(level).abs()) } : {}),
          trailingStop: request.trailingStop ?? false,
          currencyCode: market.currency,
        });
        book.confirm(dealReference, ctx.now, { status: 'OPEN', reason: 'SUCCESS', dealStatus: 'ACCEPTED', epic: market.epic, dealId, affectedDeals: [{ dealId, status: 'OPENED' }], level: request.level, size: request.size, direction: request.direction, guaranteedStop: request.guaranteedStop ?? false, trailingStop: request.trailingStop ?? false });
        return ok({ dealReference });
      },
    },
    {
      method: 'PUT',
      path: '/workingorders/:dealId',
      auth: true,
      handle(ctx) {
        const parsed = updateWorkingOrderRequestSchema.safeParse(ctx.body ?? {});
        if (!parsed.success) return invalid(parsed.error.issues);
        const book = bookOf(ctx);
        const item = book.order(ctx.params.dealId as string, ctx.now);
        if (!item) return fail(404, 'error.not-found.dealId');
        const order = item.workingOrderData;
        const goodTillMs = parsed.data.goodTillDate ? parseBrokerUtc(parsed.data.goodTillDate) : undefined;
        if (goodTillMs !== undefined && goodTillMs <= ctx.now) return fail(400, 'error.not-in-future.goodTillDate');
        const offset = book.account.timezoneOffset;
        const updated = {
          ...order,
          ...(parsed.data.level !== undefined ? { orderLevel: parsed.data.level } : {}),
          ...(goodTillMs !== undefined ? { timeInForce: 'GOOD_TILL_DATE' as const, goodTillDate: wireLocal(goodTillMs, offset), goodTillDateUTC: wireUtc(goodTillMs) } : {}),
          ...(parsed.data.stopDistance != null ? { stopDistance: parsed.data.stopDistance } : {}),
          ...(parsed.data.profitDistance != null ? { profitDistance: parsed.data.profitDistance } : {}),
          ...(parsed.data.guaranteedStop !== undefined ? { guaranteedStop: parsed.data.guaranteedStop } : {}),
          ...(parsed.data.trailingStop !== undefined ? { trailingStop: parsed.data.trailingStop } : {}),
        };
        book.place(updated);
        const dealReference = book.nextOrderReference();
        book.confirm(dealReference, ctx.now, { status: 'AMENDED', reason: 'SUCCESS', dealStatus: 'ACCEPTED', epic: order.epic, dealId: order.dealId, affectedDeals: [{ dealId: order.dealId, status: 'AMENDED' }], level: updated.orderLevel, size: order.orderSize, direction: order.direction, guaranteedStop: updated.guaranteedStop, trailingStop: updated.trailingStop });
        return ok({ dealReference });
      },
    },
    {
      method: 'DELETE',
      path: '/workingorders/:dealId',
      auth: true,
      handle(ctx) {
        const book = bookOf(ctx);
        const item = book.order(ctx.params.dealId as string, ctx.now);
        if (!item) return fail(404, 'error.not-found.dealId');
        const order = item.workingOrderData;
        book.removeOrder(order.dealId);
        const dealReference = book.nextOrderReference();
        book.confirm(dealReference, ctx.now, { status: 'DELETED', reason: 'SUCCESS', dealStatus: 'ACCEPTED', epic: order.epic, dealId: order.dealId, affectedDeals: [{ dealId: order.dealId, status: 'DELETED' }], level: order.orderLevel, size: order.orderSize, direction: order.direction, guaranteedStop: order.guaranteedStop, trailingStop: order.trailingStop });
        return ok({ dealReference });
      },
    },
    {
      method: 'GET',
      path: '/confirms/:dealReference',
      auth: true,
      handle(ctx) {
        const body = bookOf(ctx).findConfirm(ctx.params.dealReference as string, ctx.now);
        return body ? ok(body) : fail(404, 'error.not-found.dealReference');
      },
    },
  ];
}

/** One bracket leg after an amendment: the new value, null to clear, or the current level kept. */
function keep(leg: 'stop' | 'profit', current: number | undefined, update: Record<string, unknown>): BracketRequest {
  const keys = leg === 'stop' ? (['stopLevel', 'stopDistance', 'stopAmount'] as const) : (['profitLevel', 'profitDistance', 'profitAmount'] as const);
  const given = keys.filter((key) => update[key] !== undefined);
  if (given.length === 0) return current !== undefined ? { [keys[0]]: current } : {};
  if (given.every((key) => update[key] === null)) return {};
  return Object.fromEntries(given.map((key) => [key, update[key]]));
}
