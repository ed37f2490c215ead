//! `zx stack`: register, import and list stacks and their data loggers.

use anyhow::Result;
use clap::Subcommand;

use crate::cli::Global;

#[derive(Debug, Subcommand)]
pub enum StackCommand {}

pub async fn run(_global: &Global, command: StackCommand) -> Result<()> {
    match command {}
}
