export {
  type Attribute,
  type AttributeSpec,
  implicitAttribute,
  K,
  makeAttribute,
  VALUE_TYPE_BY_KEYWORD,
  VALUE_TYPES,
  type ValueType,
  valueTypeKeyword,
} from './attribute.js';
export { checksForChange, type SchemaCheck } from './change.js';
export {
  attributeFromProps,
  attributeToMap,
  SCHEMA_KEYS,
  Schema,
  type SchemaFlexibility,
  SYSTEM_ATTRIBUTES,
} from './schema.js';
export { checkType, checkValue } from './values.js';
