// acp's search attributes (docs/operators.md). Operators filter on these in the Web UI and with
// `temporal workflow list --query 'AcpStatus="AWAITING_CONFIRMATION"'`; `acp list` does the same.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const AcpStatus = defineSearchAttributeKey('AcpStatus', SearchAttributeType.KEYWORD);
export const AcpProduct = defineSearchAttributeKey('AcpProduct', SearchAttributeType.KEYWORD);
export const AcpRegion = defineSearchAttributeKey('AcpRegion', SearchAttributeType.KEYWORD);
/** CNY. */
export const AcpEstimatedCost = defineSearchAttributeKey('AcpEstimatedCost', SearchAttributeType.DOUBLE);
/** CNY. */
export const AcpBudget = defineSearchAttributeKey('AcpBudget', SearchAttributeType.DOUBLE);

export const SEARCH_ATTRIBUTES = [AcpStatus, AcpProduct, AcpRegion, AcpEstimatedCost, AcpBudget];
