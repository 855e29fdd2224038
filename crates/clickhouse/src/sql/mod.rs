//! What a piece of ClickHouse SQL names: the tables a SELECT reads (`deps`), the columns an
//! expression uses (`expr`), the items of a sorting key (`keys`), a codec list as the server
//! stores it (`codecs`), whether a fragment from a schema is one piece of what its place
//! allows (`fragment`).

pub mod codecs;
pub mod deps;
pub mod expr;
pub mod fragment;
pub mod keys;
pub mod location;
pub mod tokens;
