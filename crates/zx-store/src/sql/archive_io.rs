//! ArchiveStore over SQL: the export reads in one snapshot, the restore writes in one
//! writer-lock transaction (see [`super::export`] and [`super::restore`]).

use async_trait::async_trait;

use super::{Backend, SqlStore, export, restore};
use crate::{Archive, ArchiveStore, StoreResult, params};

#[async_trait]
impl<B: Backend> ArchiveStore for SqlStore<B> {
    async fn export(&self) -> StoreResult<Archive> {
        let mut tx = self.backend.begin().await?;
        let snapshot = self.backend.dialect().snapshot;
        if !snapshot.is_empty() {
            tx.execute(snapshot, params![]).await?;
        }
        let archive = export::export(&mut *tx).await?;
        tx.commit().await?;
        Ok(archive)
    }

    async fn restore(&self, archive: &Archive) -> StoreResult<()> {
        archive.check()?;
        let mut tx = self.backend.write().await?;
        restore::restore(&mut *tx, self.backend.dialect(), archive).await?;
        tx.commit().await
    }
}
