-- The values in force of each entity as one binary block (zx_store::sql::fact_blocks): what a
-- report loads, one row per entity instead of one per value, no decimal text to parse. Derived
-- from `facts` and written in the same transaction as every change to it.
CREATE TABLE fact_blocks (
    entity TEXT PRIMARY KEY NOT NULL,
    data   BLOB NOT NULL
);

-- One row (the block format) when every entity's block is there. A database upgraded with
-- values gets it from its next import or restore, which builds the blocks; until then reports
-- read `facts`.
CREATE TABLE fact_blocks_state (
    format INTEGER NOT NULL
);
INSERT INTO fact_blocks_state (format) SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM facts);
