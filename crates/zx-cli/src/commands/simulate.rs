//! `zx simulate`: data-logger simulators.

use anyhow::Result;
use clap::Subcommand;

use crate::cli::Global;

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {}

pub async fn run(_global: &Global, command: SimulateCommand) -> Result<()> {
    match command {}
}
