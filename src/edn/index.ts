export { printEdn, printInstant, registerPrinter, type ValuePrinter } from './printer.js';
export {
  parseEdn,
  parseEdnAll,
  parseInstant,
  registerTag,
  type TagReader,
  type TagRegistry,
} from './reader.js';
