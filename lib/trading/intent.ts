/**
 * The door to trade intents: chart alerts turned into at most one Capital.com order each. The
 * normalised `TradeIntent` (intent-schema.ts); payload → `TradeIntent` (intent-payload.ts, reading
 * the body in intent-body.ts, each field in intent-fields.ts); the market's dealing rules
 * (intent-dealing-rules.ts); our risk policy (intent-risk.ts); the deal a lost POST made
 * (intent-match.ts); and the one mapping out of the domain, the intent as the broker's request body
 * (intent-request.ts). Pure: no I/O, no logging, no clock. See INTENTS.md.
 */
export { tradeIntentSchema, bracketTerm, type IntentProblem, type IntentOrderType, type BracketKind, type IntentBracket, type TradeIntent } from './intent-schema';
export { INTENT_BODY_CHARS_MAX, INTENT_FIELDS_MAX, PAYLOAD_FIELDS, FIELD_ALIASES, BRACKET_KIND_ALIASES, readIntentPayload, type PayloadField, type ReadPayload } from './intent-body';
export { parseZonedTime } from './intent-fields';
export { DEFAULT_STRATEGY, intentPayloadSchema, parseTradeIntent, intentWorkflowId, type IntentParseOptions, type IntentParse } from './intent-payload';
export { checkAgainstDealingRules, referencePriceOf, type DealingRuleOptions } from './intent-dealing-rules';
export {
  DEFAULT_INTENT_RISK_POLICY,
  INTENT_RISK_RULE,
  intentRiskPolicySchema,
  IntentRiskPolicyError,
  validateIntentRiskPolicy,
  checkRisk,
  type IntentRiskPolicy,
  type IntentRiskContext,
} from './intent-risk';
export { PLACEMENT_CLOCK_SKEW_MS, PLACED_DEAL_ITEMS_MAX, findPlacedDeal, type PlacedDealSearch, type PlacedDeal } from './intent-match';
export { orderRequestOf, type OrderRequest } from './intent-request';
