export {
  callsTxFunctions,
  type EntityRef,
  isCurrentTx,
  isLookupRef,
  reverseAttr,
  settleTxFunctions,
  type TxFunction,
} from './forms.js';
export { type ExportedDatom, exportedTransactions, reloadForms } from './load.js';
export {
  dbWith,
  replayTx,
  replayTxs,
  type TransactOptions,
  type TxReport,
  transactData,
} from './transact.js';
