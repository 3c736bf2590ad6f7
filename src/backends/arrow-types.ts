/**
 * Our data types as Arrow types and back. Every engine's result reaches the user as an
 * Arrow table whose schema is exactly the expression's schema, built from these.
 */
import * as arrow from "apache-arrow";
import {
  type DataType,
  type Schema,
  decimal,
  decimalParts,
  isDecimal,
  isTimestamp,
  timestamp,
  timestampZone,
} from "../expr/data-type.js";

export function toArrowType(type: DataType): arrow.DataType {
  if (isDecimal(type)) {
    const { precision, scale } = decimalParts(type);
    return new arrow.Decimal(scale, precision, 128);
  }
  if (isTimestamp(type)) return new arrow.TimestampMicrosecond(timestampZone(type));
  switch (type) {
    case "null": return new arrow.Null();
    case "boolean": return new arrow.Bool();
    case "int8": return new arrow.Int8();
    case "int16": return new arrow.Int16();
    case "int32": return new arrow.Int32();
    case "int64": return new arrow.Int64();
    case "uint8": return new arrow.Uint8();
    case "uint16": return new arrow.Uint16();
    case "uint32": return new arrow.Uint32();
    case "uint64": return new arrow.Uint64();
    case "float32": return new arrow.Float32();
    case "float64": return new arrow.Float64();
    case "binary": return new arrow.Binary();
    case "date": return new arrow.DateDay();
    case "time": return new arrow.TimeMicrosecond();
    default: return new arrow.Utf8(); // string, interval, uuid, json travel as text
  }
}

export function toArrowSchema(schema: Schema): arrow.Schema {
  return new arrow.Schema(schema.map((f) => new arrow.Field(f.name, toArrowType(f.type), true)));
}

/** Maps an Arrow type onto ours (for memtables and data coming from Arrow producers). */
export function fromArrowType(t: arrow.DataType): DataType {
  const T = arrow.Type;
  switch (t.typeId) {
    case T.Null: return "null";
    case T.Bool: return "boolean";
    case T.Int: {
      const i = t as arrow.Int;
      return `${i.isSigned ? "int" : "uint"}${i.bitWidth}` as DataType;
    }
    case T.Float: return (t as arrow.Float).precision === arrow.Precision.SINGLE ? "float32" : "float64";
    case T.Decimal: {
      const d = t as arrow.Decimal;
      return decimal(d.precision, d.scale);
    }
    case T.Utf8:
    case T.LargeUtf8:
    case T.Dictionary:
      return "string";
    case T.Binary:
    case T.LargeBinary:
      return "binary";
    case T.Date: return "date";
    case T.Time: return "time";
    case T.Timestamp: return timestamp((t as arrow.Timestamp).timezone ?? null);
    default:
      throw new Error(`Arrow type ${String(t)} is not supported in xorq expressions`);
  }
}

export function fromArrowSchema(schema: arrow.Schema): Schema {
  return schema.fields.map((f) => ({ name: f.name, type: fromArrowType(f.type) }));
}
