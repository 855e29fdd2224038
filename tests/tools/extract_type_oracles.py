#!/usr/bin/env python3
"""Regenerates tests/data/column_type_aliases.tsv and tests/data/column_types_invalid.txt.

The oracle is the real ClickHouse engine packaged as chDB (`pip install chdb-core==26.9.0`).
Each hand-written spelling below becomes the only column of a Memory table, with default settings
except `flatten_nested = 0` (so `Nested(...)` stays a type instead of becoming array columns);
`system.columns.type` gives its canonical form. The invalid spellings must be refused by that same
CREATE TABLE, and the first line of ClickHouse's message is recorded next to each.

Usage: python3 tests/tools/extract_type_oracles.py
"""
import re
import tempfile

import chdb
from chdb import session

ALIASES = r"""
INT
int
Integer
INT SIGNED
INT UNSIGNED
int unsigned
INT(11)
INT(11) UNSIGNED
INTEGER UNSIGNED
BIGINT
bigint
BIGINT UNSIGNED
SIGNED
UNSIGNED
TINYINT
TINYINT UNSIGNED
INT1
INT1 UNSIGNED
BYTE
SMALLINT
SMALLINT UNSIGNED
MEDIUMINT
MEDIUMINT UNSIGNED
YEAR
BIT
SET
UInt8(3)
FLOAT
float
FLOAT(10, 2)
REAL
SINGLE
DOUBLE
double
DOUBLE PRECISION
double   precision
Float64(10)
BOOL
bool
BOOLEAN
Boolean
TEXT
text
VARCHAR
VARCHAR(255)
varchar(10)
CHAR
CHAR(3)
CHARACTER
CHARACTER VARYING
CHAR VARYING(20)
NATIONAL CHAR
NATIONAL CHARACTER VARYING
NCHAR
NCHAR VARYING
NVARCHAR
VARCHAR2
CLOB
BLOB
LONGBLOB
MEDIUMTEXT
TINYTEXT
LONGTEXT
BYTEA
VARBINARY
BINARY VARYING
BINARY LARGE OBJECT
String(10)
BINARY(16)
binary(4)
TIMESTAMP
timestamp
TIMESTAMP(3)
TIMESTAMP('UTC')
DATETIME
datetime
DateTime32
DateTime(3)
DateTime(6, 'UTC')
DateTime32('UTC')
DateTime('Europe/Moscow')
DateTime(  'UTC'  )
DateTime('')
DateTime64
DateTime64(3,'UTC')
DATETIME64(6)
DateTime64(9, 'Asia/Kolkata')
DateTime64(3, '')
DATE
date
Date32
DATE32
TIME
Time64
time64(6)
Decimal
DECIMAL(10)
decimal(10,2)
Decimal( 18 , 4 )
DEC(5,2)
NUMERIC(12, 3)
FIXED(4, 1)
Decimal32(2)
Decimal64(4)
Decimal128(3)
Decimal256(76)
decimal32(0)
DECIMAL256(10)
Enum('a', 'b')
ENUM('x','y','z')
Enum('a' = 1, 'b' = 1000)
Enum('a' = -129)
Enum8('b'=2,'a'=1)
Enum('a' = 1, 'b')
Enum8('a' = 5, 'b', 'c')
Enum('a' = 127, 'b')
Enum('a', 'b' = 5)
Enum8('a'=1,'b'=2)
Enum8('a' = 0x10)
Enum8('' = 1)
Enum8('a' = 1,)
Enum16('a'=32767, 'b'=-32768)
Enum8('it\'s' = 1, 'back\\slash' = 2)
Enum8('it''s' = 1)
Enum8('tab\there' = 1, 'nl\nx' = 2)
FixedString(0x10)
INET4
inet6
Nullable(INT)
Nullable( String )
Array(  UInt8  )
Array(Nullable(VARCHAR(3)))
Array(UInt8,)
LowCardinality(TEXT)
LowCardinality(Nullable(CHAR))
LowCardinality(UUID)
Map(String,UInt8)
Map(TEXT, Array(BIGINT))
Tuple(UInt8 , String )
Tuple(a INT, b TEXT)
Tuple(`a``b` UInt8, `1a` String, `select` UInt8, NULLS UInt8)
Tuple(`a.b` UInt8, `é` String)
Tuple(`from` UInt8, `values` UInt8, `key` UInt8, `order` UInt8, `true` UInt8, `ALL` UInt8)
Tuple()
Nested(a UInt8, b String)
Nested(`x y` INT)
Variant(String, UInt8, Array(Int8))
Variant(String, String)
Variant(Array(UInt8), Array(String))
Dynamic(max_types=32)
Dynamic(max_types=10)
json
Json
JSON(max_dynamic_paths=1024)
JSON(max_dynamic_types=32, max_dynamic_paths=10)
JSON(max_dynamic_types=8)
JSON(a.b UInt32, SKIP a.c, SKIP REGEXP 'x')
JSON(z UInt8, a.b String, SKIP z.y, SKIP d, SKIP REGEXP 'b', SKIP REGEXP 'a')
JSON(SKIP REGEXP 'it\'s')
AggregateFunction(quantiles(0.50, 0.9), UInt64)
AggregateFunction(quantiles(0.50, 1, .5, 5e-1, 1e-3, 1e-7), UInt64)
AggregateFunction(quantile(1.0), UInt64)
AggregateFunction(sumMap, Array(UInt8), Array(UInt64))
AggregateFunction(0, sumMap, Array(UInt8), Array(UInt64))
AggregateFunction(sumMapFiltered([1, 2]), Array(UInt8), Array(UInt64))
AggregateFunction(groupConcat(','), String)
AggregateFunction(argMax, String, DateTime)
AggregateFunction(uniq, TEXT)
AggregateFunction(count)
SimpleAggregateFunction(sum, Double)
SimpleAggregateFunction(anyLast, Nullable(VARCHAR))
QBit(Float32, 8)
Nullable(Time)
Nullable(Point)
Nullable(JSON)
Nullable(Tuple(UInt8))
Nullable(Tuple(a UInt8, b Array(String)))
Tuple(Nothing)
"""

INVALID = r"""
int32
string
Strin
nothing
Object('json')
Nullable(Array(Int8))
Nullable(Map(String, UInt8))
Nullable(Nullable(UInt8))
Nullable(LowCardinality(String))
Nullable(Variant(String))
Nullable(Dynamic)
Nullable(Ring)
Nullable(Polygon)
Nullable(AggregateFunction(sum, UInt64))
Nullable(Nested(a UInt8))
Nullable(Nothing)
Nothing
Array(Nothing)
Array(Nullable(Nothing))
LowCardinality(Int64)
LowCardinality(Date)
LowCardinality(Bool)
LowCardinality(Nullable(Int32))
LowCardinality(Array(String))
LowCardinality(LowCardinality(String))
LowCardinality(Enum8('a' = 1))
Decimal(80, 2)
Decimal(0, 0)
Decimal(77, 2)
Decimal(5, 6)
Decimal(10, 2, 3)
Decimal32
Decimal32(10)
Decimal64(19)
FixedString(0)
FixedString
FixedString(-1)
FixedString('3')
FixedString(300)
DateTime64(10)
DateTime64(3, 'UTC', 1)
Time('UTC')
Time64(10)
Enum8('a' = 1, 'a' = 2)
Enum8('a' = 1, 'b' = 1)
Enum8('a' = 128)
Enum8('a' = -129)
Enum16('a' = 32768)
Enum('a', 'b' = 5, 'c')
Enum('a', 'b', 'c' = 5)
Enum('a', 'b' = 1)
Enum8('a' = 5, 'b', 'c' = 1)
Enum8('a' = 5, 'b' = 7, 'c')
Enum8('a' = 127, 'b')
Enum8()
Enum8('a' = 1.5)
Enum8(1 = 'a')
Array(UInt8
Array(UInt8))
Array(UInt8) x
Array()
Array(UInt8, UInt8)
Map(String)
Map(String, UInt8, UInt8)
Map(Nullable(String), UInt8)
Map(LowCardinality(Nullable(String)), UInt8)
Tuple(a UInt8, String)
Tuple(a UInt8, a UInt8)
Tuple(null UInt8)
Variant()
Variant(Nullable(String))
Variant(Dynamic)
Variant(Variant(String))
Dynamic(max_types=300)
Nested()
UUID(1)
Bool(1)
IntervalDay(1)
QBit(String, 8)
QBit(Float64, 0)
AggregateFunction()
SimpleAggregateFunction(sum)
SimpleAggregateFunction(sum, UInt8, UInt8)
Int32('x')
"""


def main():
    sess = session.Session(tempfile.mkdtemp(prefix="chdb-oracle-"))
    sess.query("CREATE DATABASE IF NOT EXISTS oracle")
    version = sess.query("SELECT version()", "TSVRaw").bytes().decode().strip()

    def column_type(spelling):
        sess.query("DROP TABLE IF EXISTS oracle.t")
        sess.query(f"CREATE TABLE oracle.t (c {spelling}) ENGINE = Memory")
        out = sess.query(
            "SELECT type FROM system.columns WHERE database = 'oracle' AND table = 't'", "TSVRaw"
        )
        return out.bytes().decode().rstrip("\n")

    sess.query("SET flatten_nested = 0")
    header = (
        f"# Generated by tests/tools/extract_type_oracles.py with chDB {chdb.__version__}"
        f" (ClickHouse {version}), default settings plus flatten_nested = 0.\n"
    )
    with open("tests/data/column_type_aliases.tsv", "w", encoding="utf-8") as out:
        out.write("# input<TAB>system.columns.type of a column declared with that input.\n")
        out.write(header)
        for spelling in ALIASES.strip("\n").split("\n"):
            try:
                canonical = column_type(spelling)
            except Exception as err:
                raise SystemExit(f"ClickHouse refuses alias {spelling!r}: {err}") from None
            out.write(f"{spelling}\t{canonical}\n")
    with open("tests/data/column_types_invalid.txt", "w", encoding="utf-8") as out:
        out.write("# input<TAB>ClickHouse's refusal of a column declared with that input.\n")
        out.write(header)
        for spelling in INVALID.strip("\n").split("\n"):
            try:
                got = column_type(spelling)
            except Exception as err:
                message = str(err).strip().split("\n")[0]
                message = re.sub(r"\s*\(version [^)]*\)", "", message)
                out.write(f"{spelling}\t{message}\n")
                continue
            raise SystemExit(f"ClickHouse accepts {spelling!r} as {got!r}: not an invalid type")
    print("wrote tests/data/column_type_aliases.tsv and tests/data/column_types_invalid.txt")


if __name__ == "__main__":
    main()
