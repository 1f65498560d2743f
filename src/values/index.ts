export { base64ToBytes, bytesToBase64 } from './base64.js';
export { currentBudget, provideBudgets, ReadBudget } from './budget.js';
export { printValue } from './describe.js';
export { DatahikeError, isDatahikeError } from './error.js';
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  statusOfCode,
} from './error-codes.js';
export {
  compareKeywords,
  isKeyword,
  isSym,
  Keyword,
  keyword,
  Sym,
  stringHash,
  sym,
} from './keyword.js';
export {
  checkIntegerDigits,
  limitExceeded,
  MAX_DECIMAL_EXPONENT,
  MAX_NUMBER_DIGITS,
} from './limits.js';
export {
  compareNumbersByValue,
  compareValues,
  equals,
  hashValue,
  Rank,
  rankOf,
} from './order.js';
export {
  BigDec,
  Char,
  compareBigDec,
  isList,
  List,
  list,
  randomUuid,
  TaggedValue,
  Uuid,
} from './scalars.js';
