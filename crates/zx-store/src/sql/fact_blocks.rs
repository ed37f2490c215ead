//! The values in force kept a second time, one binary block per entity (`fact_blocks`), so a
//! report loads 10,000 rows instead of 3 million and parses no decimal text: loading every row
//! of `facts` was most of the first cockpit after an import (BENCHMARKS.md).
//!
//! `facts` stays the record; the blocks are derived from it and written in the same
//! transaction as every change to it (an import rewrites the blocks of the entities it
//! touches, a restore builds them all), so they cannot disagree with it after a commit.
//! `fact_blocks_state` holds one row, [`FORMAT`], when every entity's block is there: a
//! database migrated with values in it has none until its next import or restore builds them,
//! and is read from `facts` until then.
//!
//! A block: [`FORMAT`] (1 byte), the number of item codes (u16) and each code (u16 length,
//! UTF-8), the number of rows (u32), then each row: item index (u16), month ordinal (i32), a
//! tag byte (bit 0: month basis; bit 1: a 16-byte mantissa, else 8; bits 2–7: the scale) and the
//! decimal's mantissa, little-endian. Rows are sorted by item and month.

use std::collections::BTreeMap;

use zx_domain::{Basis, Decimal, EntityCode, FactRow, FactTable, Month};

use super::{Connection, Value};
use crate::{StoreError, StoreResult, params};

/// The block layout written today; a block or state of another format is not read.
pub(crate) const FORMAT: u8 = 1;

/// One value of a block: item code, month, value, basis.
pub(crate) type BlockRow<'a> = (&'a str, Month, Decimal, Basis);

/// Encodes an entity's values (any order; a later row for the same item and month wins).
pub(crate) fn encode(rows: &[BlockRow<'_>]) -> StoreResult<Vec<u8>> {
    let mut sorted: BTreeMap<(&str, Month), (Decimal, Basis)> = BTreeMap::new();
    for &(item, month, value, basis) in rows {
        sorted.insert((item, month), (value, basis));
    }
    let mut items: Vec<&str> = sorted.keys().map(|(item, _)| *item).collect();
    items.dedup();
    let too_many = || StoreError::Invalid("an entity has too many item codes to store".into());
    let mut out = Vec::with_capacity(16 + sorted.len() * 15);
    out.push(FORMAT);
    out.extend_from_slice(
        &u16::try_from(items.len())
            .map_err(|_| too_many())?
            .to_le_bytes(),
    );
    for item in &items {
        let len = u16::try_from(item.len()).map_err(|_| too_many())?;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(item.as_bytes());
    }
    let count = u32::try_from(sorted.len()).map_err(|_| too_many())?;
    out.extend_from_slice(&count.to_le_bytes());
    let mut index = 0u16;
    for ((item, month), (value, basis)) in sorted {
        while items.get(usize::from(index)) != Some(&item) {
            index += 1;
        }
        out.extend_from_slice(&index.to_le_bytes());
        out.extend_from_slice(&month.ordinal().to_le_bytes());
        let mantissa = value.mantissa();
        let scale = u8::try_from(value.scale()).unwrap_or(u8::MAX);
        let basis_bit = u8::from(basis == Basis::Month);
        match i64::try_from(mantissa) {
            Ok(small) => {
                out.push(basis_bit | (scale << 2));
                out.extend_from_slice(&small.to_le_bytes());
            }
            Err(_) => {
                out.push(basis_bit | 0b10 | (scale << 2));
                out.extend_from_slice(&mantissa.to_le_bytes());
            }
        }
    }
    Ok(out)
}

/// Reads a block's bytes in order, any shortfall or bad value a [`StoreError::Corrupt`]
/// naming the entity.
struct Reader<'a> {
    entity: &'a str,
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn corrupt(&self, why: &str) -> StoreError {
        StoreError::Corrupt(format!("fact block of {}: {why}", self.entity))
    }

    fn take<const N: usize>(&mut self) -> StoreResult<[u8; N]> {
        let Some((head, rest)) = self.data.split_first_chunk::<N>() else {
            return Err(self.corrupt("ends early"));
        };
        self.data = rest;
        Ok(*head)
    }

    fn bytes(&mut self, len: usize) -> StoreResult<&'a [u8]> {
        if self.data.len() < len {
            return Err(self.corrupt("ends early"));
        }
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        Ok(head)
    }
}

/// Appends an entity's block to `table`.
pub(crate) fn decode(entity: EntityCode, data: &[u8], table: &mut FactTable) -> StoreResult<()> {
    let code = entity.as_str().to_owned();
    let mut r = Reader {
        entity: &code,
        data,
    };
    let [format] = r.take::<1>()?;
    if format != FORMAT {
        return Err(r.corrupt(&format!("format {format}")));
    }
    let item_count = u16::from_le_bytes(r.take()?);
    let mut items = Vec::with_capacity(usize::from(item_count));
    for _ in 0..item_count {
        let len = u16::from_le_bytes(r.take()?);
        let bytes = r.bytes(usize::from(len))?;
        let text = std::str::from_utf8(bytes).map_err(|_| r.corrupt("item code not UTF-8"))?;
        items.push(table.item_index(text));
    }
    let rows = u32::from_le_bytes(r.take()?) as usize;
    let entity = table.add_entity(entity);
    // At least 15 bytes a row: a count beyond what the block holds is corrupt, not a reservation.
    table.reserve(rows.min(r.data.len() / 15));
    for _ in 0..rows {
        let item = *items
            .get(usize::from(u16::from_le_bytes(r.take()?)))
            .ok_or_else(|| r.corrupt("item index out of range"))?;
        let ordinal = i32::from_le_bytes(r.take()?);
        let month = Month::from_ordinal(ordinal).ok_or_else(|| r.corrupt("month out of range"))?;
        let [tag] = r.take::<1>()?;
        let mantissa = if tag & 0b10 == 0 {
            i128::from(i64::from_le_bytes(r.take()?))
        } else {
            i128::from_le_bytes(r.take()?)
        };
        let value = Decimal::try_from_i128_with_scale(mantissa, u32::from(tag >> 2))
            .map_err(|_| r.corrupt("decimal out of range"))?;
        let basis = if tag & 1 == 1 {
            Basis::Month
        } else {
            Basis::Ytd
        };
        table.push(FactRow {
            entity,
            item,
            month,
            value,
            basis,
        });
    }
    if !r.data.is_empty() {
        return Err(r.corrupt("bytes after the last row"));
    }
    Ok(())
}

/// Whether every entity's block is there in today's format.
pub(crate) async fn complete(conn: &mut dyn Connection) -> StoreResult<bool> {
    let row = conn
        .fetch_optional("SELECT format FROM fact_blocks_state", params![])
        .await?;
    Ok(match row {
        Some(mut row) => row.get::<i64>(0)? == i64::from(FORMAT),
        None => false,
    })
}

/// Every block, as one table; `None` when the blocks are not complete.
pub(crate) async fn load(conn: &mut dyn Connection) -> StoreResult<Option<FactTable>> {
    if !complete(conn).await? {
        return Ok(None);
    }
    let mut table = FactTable::new();
    conn.fetch_each(
        "SELECT entity, data FROM fact_blocks",
        params![],
        &mut |row| {
            let entity: EntityCode = row.get(0)?;
            let data: Vec<u8> = row.get(1)?;
            decode(entity, &data, &mut table)
        },
    )
    .await?;
    Ok(Some(table))
}

/// Writes (or replaces) the given entities' blocks.
pub(crate) async fn write(
    conn: &mut dyn Connection,
    blocks: Vec<(String, Vec<u8>)>,
) -> StoreResult<()> {
    let rows = blocks
        .into_iter()
        .map(|(entity, data)| vec![Value::from(entity), Value::from(data)])
        .collect();
    conn.insert_rows(
        "fact_blocks (entity, data)",
        "ON CONFLICT (entity) DO UPDATE SET data = excluded.data",
        rows,
    )
    .await
}

/// Builds every block from `facts` and marks them complete: a restore, or the first import into
/// a database migrated with values in it. Inside the caller's transaction.
pub(crate) async fn rebuild(conn: &mut dyn Connection) -> StoreResult<()> {
    conn.execute("DELETE FROM fact_blocks", params![]).await?;
    conn.execute("DELETE FROM fact_blocks_state", params![])
        .await?;
    // Grouped by entity as read; one entity's rows at a time are encoded.
    let mut by_entity: BTreeMap<String, Vec<(String, Month, Decimal, Basis)>> = BTreeMap::new();
    conn.fetch_each(
        "SELECT entity, period, item, value, basis FROM facts",
        params![],
        &mut |row| {
            let entity: String = row.get(0)?;
            let value = (row.get(2)?, row.get(1)?, row.get(3)?, row.get(4)?);
            by_entity.entry(entity).or_default().push(value);
            Ok(())
        },
    )
    .await?;
    let mut blocks = Vec::new();
    for (entity, rows) in by_entity {
        let rows: Vec<BlockRow<'_>> = rows
            .iter()
            .map(|(item, month, value, basis)| (item.as_str(), *month, *value, *basis))
            .collect();
        blocks.push((entity, encode(&rows)?));
        if blocks.len() >= 1_000 {
            write(conn, std::mem::take(&mut blocks)).await?;
        }
    }
    write(conn, blocks).await?;
    conn.execute(
        "INSERT INTO fact_blocks_state (format) VALUES (?)",
        params![i64::from(FORMAT)],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn month(text: &str) -> Month {
        Month::parse(text).unwrap()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn a_block_reads_back_exactly() {
        let huge = dec("79228162514264337593543950335");
        let rows = [
            ("revenue", month("2026-02"), dec("100.50"), Basis::Ytd),
            (
                "net_profit",
                month("2026-01"),
                dec("-0.000001"),
                Basis::Month,
            ),
            ("revenue", month("2026-01"), dec("0"), Basis::Month),
            ("total_assets", month("1999-12"), huge, Basis::Ytd),
        ];
        let block = encode(&rows).unwrap();
        let mut table = FactTable::new();
        decode(EntityCode::parse("FJ").unwrap(), &block, &mut table).unwrap();
        let facts = table.to_facts();
        // Sorted by item, then month; scale kept (100.50 is not 100.5).
        let got: Vec<(String, String, String, Basis)> = facts
            .iter()
            .map(|f| {
                (
                    f.item.clone(),
                    f.month.to_string(),
                    f.value.to_string(),
                    f.basis,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "net_profit".into(),
                    "2026-01".into(),
                    "-0.000001".into(),
                    Basis::Month
                ),
                ("revenue".into(), "2026-01".into(), "0".into(), Basis::Month),
                (
                    "revenue".into(),
                    "2026-02".into(),
                    "100.50".into(),
                    Basis::Ytd
                ),
                (
                    "total_assets".into(),
                    "1999-12".into(),
                    "79228162514264337593543950335".into(),
                    Basis::Ytd
                ),
            ]
        );
        assert!(facts.iter().all(|f| f.entity.as_str() == "FJ"));
    }

    #[test]
    fn a_later_row_for_the_same_key_wins() {
        let rows = [
            ("revenue", month("2026-01"), dec("1"), Basis::Month),
            ("revenue", month("2026-01"), dec("2"), Basis::Ytd),
        ];
        let mut table = FactTable::new();
        decode(
            EntityCode::parse("A").unwrap(),
            &encode(&rows).unwrap(),
            &mut table,
        )
        .unwrap();
        assert_eq!(table.len(), 1);
        assert_eq!(table.rows()[0].value, dec("2"));
        assert_eq!(table.rows()[0].basis, Basis::Ytd);
    }

    #[test]
    fn a_damaged_block_is_an_error_never_a_panic() {
        let rows = [("revenue", month("2026-01"), dec("12.5"), Basis::Month)];
        let block = encode(&rows).unwrap();
        // Every truncation, and every single byte changed to 0xFF.
        for len in 0..block.len() {
            let mut table = FactTable::new();
            assert!(decode(EntityCode::parse("A").unwrap(), &block[..len], &mut table).is_err());
        }
        for i in 0..block.len() {
            let mut damaged = block.clone();
            damaged[i] = 0xFF;
            let mut table = FactTable::new();
            let _ = decode(EntityCode::parse("A").unwrap(), &damaged, &mut table);
        }
        let mut longer = block.clone();
        longer.push(0);
        let mut table = FactTable::new();
        assert!(decode(EntityCode::parse("A").unwrap(), &longer, &mut table).is_err());
    }
}
