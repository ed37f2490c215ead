//! ArchiveStore over SQL.

use async_trait::async_trait;

use super::{Backend, SqlStore};
use crate::*;

#[async_trait]
impl<B: Backend> ArchiveStore for SqlStore<B> {
    async fn export(&self) -> StoreResult<Archive> {
        self.backend.legacy_archive().export().await
    }
    async fn restore(&self, archive: &Archive) -> StoreResult<()> {
        self.backend.legacy_archive().restore(archive).await
    }
}
