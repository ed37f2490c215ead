//! `zx cems`: check minute data against an emission standard; export stored minutes.

use anyhow::Result;
use clap::Subcommand;

use crate::cli::Global;

#[derive(Debug, Subcommand)]
pub enum CemsCommand {}

pub async fn run(_global: &Global, command: CemsCommand) -> Result<()> {
    match command {}
}
