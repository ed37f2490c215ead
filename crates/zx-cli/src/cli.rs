//! The command line: names and shapes here are a contract other tools rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "zx",
    version,
    about = "Zengxiao 提质增效: one benefit and five rates (一利五率), consolidated through the group tree",
    long_about = None
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The database used when none is named.
pub const DEFAULT_DB: &str = "zengxiao.db";

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Database: a SQLite file path or sqlite:// URL, or a postgres:// URL.
    #[arg(long, global = true, default_value = DEFAULT_DB, env = "ZX_DB")]
    pub db: String,
    /// Who is acting, recorded with every submission and in the audit log.
    #[arg(long, global = true, env = "ZX_USER")]
    pub user: Option<String>,
    /// Item and indicator catalogue (TOML) replacing the built-in one.
    #[arg(long, global = true, env = "ZX_CATALOGUE")]
    pub catalogue: Option<PathBuf>,
    /// Language of tables and notes: zh (default) or en.
    #[arg(long, global = true, default_value = "zh", env = "ZX_LANG")]
    pub lang: String,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum BasisArg {
    Ytd,
    Month,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TableFormat {
    Table,
    Json,
    Csv,
}

/// What `zx report` writes: the cockpit table on stdout, or the monthly report as a file.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    /// The typeset A4 report (needs -o).
    Pdf,
    /// The report's Excel twin, a sheet per section (needs -o).
    Xlsx,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an empty database.
    Init,
    /// Import entities, monthly data or targets (CSV or XLSX; kind detected from the header).
    /// All files are one transaction: any error, nothing is written.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// The six indicators and the five reform ones of one entity and period, with YoY, targets,
    /// the year's rule and pay follows results.
    Kpi {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "ytd")]
        basis: BasisArg,
        #[arg(long, value_enum, default_value = "table")]
        format: TableFormat,
    },
    /// An entity's workforce year to date (能进能出, 减员增效): hires by channel, exits by
    /// reason, headcount against plan, the dispatched share against its 10 % limit, labour cost,
    /// value added and per-capita figures against last year, and each unit below.
    Workforce {
        #[arg(long)]
        entity: String,
        /// `YYYY-MM`: year to date at this month.
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "table")]
        format: TableFormat,
    },
    /// The cockpit table: every entity of a subtree with the six indicators, YoY and status;
    /// with `--format pdf|xlsx -o FILE` the monthly quality-and-efficiency report (the cockpit's
    /// values, the rule, trends, units, red indicators and their measures, collection,
    /// emissions, safety, operations, reform) as a typeset PDF or its Excel twin.
    Report {
        /// Month to report (default: the latest month with data).
        #[arg(long)]
        period: Option<String>,
        /// Root of the subtree (default: the group).
        #[arg(long)]
        entity: Option<String>,
        /// Levels below the entity to show.
        #[arg(long, default_value_t = 1)]
        depth: usize,
        #[arg(long, value_enum, default_value = "ytd")]
        basis: BasisArg,
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
        /// The file to write the PDF or workbook to.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Settings file, as for `zx serve` (the collection policy the cockpit uses).
        #[arg(long, default_value = "zengxiao.toml")]
        config: PathBuf,
    },
    /// An operating indicator benchmarked over plants (对标): quartiles, ranks, each plant's
    /// quartile and what reaching the top quartile is worth; plants without a value apart.
    Benchmark {
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "ytd")]
        basis: BasisArg,
        /// cost_per_tonne, on_grid_per_tonne, utilisation_hours… (the catalogue's ids).
        #[arg(long)]
        indicator: String,
        /// Compare the plants under this entity (default: the group).
        #[arg(long)]
        entity: Option<String>,
        /// Only the plants of this segment (default: every segment the indicator applies to).
        #[arg(long)]
        segment: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Year-end forecasts of one indicator for every entity: the December value, an 80 %
    /// interval and the odds of meeting the year's target, from the months up to --period.
    Forecast {
        /// The last month to use (YYYY-MM); its year is forecast to December.
        #[arg(long)]
        period: String,
        /// total_profit, roe, … (the catalogue's ids).
        #[arg(long)]
        indicator: String,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Why an indicator has its value: the formula, its inputs, and the children behind them.
    Explain {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        indicator: String,
        #[arg(long, value_enum, default_value = "ytd")]
        basis: BasisArg,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Every revision of submitted values: who sent what, when, and which is in force.
    History {
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        item: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// The submissions received (file, SHA-256, user, time, counts).
    Submissions {
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// The audit log, newest first.
    Audit {
        /// Only what this user did (`--user` names the acting user, as everywhere).
        #[arg(long = "by", value_name = "USER")]
        by: Option<String>,
        #[arg(long)]
        action: Option<String>,
        /// Part of the changed object's name, e.g. an entity code.
        #[arg(long)]
        object: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// The group tree.
    Entities {
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Write the Excel fill-in template of an entity for a year.
    Template {
        #[arg(long)]
        entity: String,
        #[arg(long)]
        year: i32,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Build the fictional demo group (deterministic) into the database.
    Demo {
        /// Replace data that is not the demo's (a file is deleted, a PostgreSQL database emptied).
        #[arg(long)]
        force: bool,
        /// Print the cockpit of this month afterwards (e.g. 2026-06).
        #[arg(long)]
        report: Option<String>,
    },
    /// Run the web cockpit and the API.
    Serve {
        /// Address to listen on (default from zengxiao.toml / ZX_LISTEN, else 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Build the demo group and demo accounts into the database if it does not exist yet,
        /// with a day of stack minutes, and simulate its stacks' data loggers live over HJ 212.
        #[arg(long)]
        demo: bool,
        /// Receive HJ 212 data loggers on this address (e.g. 0.0.0.0:9212). With --demo and
        /// without it, the receiver listens on a free local port for the simulated loggers.
        #[arg(long)]
        hj212: Option<std::net::SocketAddr>,
        /// Settings file (defaults < file < ZX_* environment).
        #[arg(long, default_value = "zengxiao.toml")]
        config: PathBuf,
    },
    /// Improvement measures (清单化管理): import, list with overdue and completion, gaps.
    Measures {
        #[command(subcommand)]
        command: MeasuresCommand,
    },
    /// Notify measure owners of measures due within 7 days or overdue, and the managers of the
    /// superior entity of measures overdue past the grace period (in-app notifications, each
    /// sent once). Prints the notifications sent (or, with --dry-run, that would be sent).
    /// When the settings configure e-mail (`[notify.smtp]`) or a webhook (`[notify.webhook]`),
    /// the new notifications are also delivered there, with a summary on stderr.
    Remind {
        /// The time to judge on (RFC 3339; default: now); dates are China dates (UTC+8).
        #[arg(long)]
        now: Option<String>,
        /// Print what would be sent without recording or delivering anything.
        #[arg(long)]
        dry_run: bool,
        /// Days an overdue measure waits before it is escalated (default: the settings'
        /// `reminders.grace_days`, else 7).
        #[arg(long)]
        grace_days: Option<u32>,
        /// Days before a planned drill of a yearly drill plan that its managers are reminded
        /// (default: the settings' `reminders.drill_lead_days`, else 14).
        #[arg(long)]
        drill_lead_days: Option<u32>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
        /// Settings file, as for `zx serve` (defaults < file < ZX_* environment).
        #[arg(long, default_value = "zengxiao.toml")]
        config: PathBuf,
    },
    /// Print the built-in catalogue, or check a catalogue file.
    Catalogue {
        /// Check this file instead of printing the built-in catalogue.
        #[arg(long)]
        check: Option<PathBuf>,
    },
    /// Accounts of the web cockpit and the API: add, change passwords, list, disable, tokens.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write everything durable in the database (entities, data with every revision, targets,
    /// accounts and token hashes, period states, the audit log) into an archive file: JSON
    /// Lines, gzip-compressed when FILE ends in .gz. Sessions are not archived.
    Export {
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write an archive made by `zx export` into an empty database (a new SQLite file, or a
    /// PostgreSQL database without data, created if missing), in one transaction, keeping ids.
    Restore {
        /// The archive (gzip-compressed or not).
        file: PathBuf,
    },
    /// Apply pending schema migrations and print the schema version before and after.
    Migrate,
    /// The streaming anomaly detector: score `timestamp,value` files (the NAB benchmark's layout).
    Anomaly {
        #[command(subcommand)]
        command: crate::commands::anomaly::AnomalyCommand,
    },
    /// Stack emissions: check minute data against a standard, export stored minutes.
    Cems {
        #[command(subcommand)]
        command: crate::commands::cems::CemsCommand,
    },
    /// Production safety: check safety files (hazards, plans, drills, people, training,
    /// certificates) against safety.md's rules, import them, and the check over the database.
    Safety {
        #[command(subcommand)]
        command: crate::commands::safety::SafetyCommand,
    },
    /// The R&D project portfolio: import and export the register, list the projects, reconcile
    /// their spend with the reported R&D expenditure.
    Rnd {
        #[command(subcommand)]
        command: crate::commands::rnd::RndCommand,
    },
    /// The manager term register (任期制和契约化管理): import, export, list with the terms
    /// ending soon and the ratings due.
    Managers {
        #[command(subcommand)]
        command: crate::commands::managers::ManagersCommand,
    },
    /// External reference values for benchmarking (industry averages and best values with
    /// source and year): import a file, list those in force.
    References {
        #[command(subcommand)]
        command: crate::commands::references::ReferencesCommand,
    },
    /// The practice library (经验库): import practices, search them in Chinese.
    Practices {
        #[command(subcommand)]
        command: crate::commands::practices::PracticesCommand,
    },
    /// Stacks (flues) and their data loggers: register, import, list.
    Stack {
        #[command(subcommand)]
        command: crate::commands::stack::StackCommand,
    },
    /// Simulators for demos, tests and benchmarks.
    Simulate {
        #[command(subcommand)]
        command: crate::commands::simulate::SimulateCommand,
    },
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        bench: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Consolidate all six indicators at every node of a synthetic group, every month.
    Rollup {
        #[arg(long, default_value_t = 10_000)]
        entities: usize,
        #[arg(long, default_value_t = 36)]
        months: usize,
        /// Runs to time; the best and the median are reported.
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// Threads evaluating indicators (consolidation itself is one pass).
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Also write the generated data as CSV here (for the DuckDB comparison).
        #[arg(long, conflicts_with = "from_db")]
        write_csv: Option<PathBuf>,
        /// Load the group and its data from --db instead of generating them (timed as
        /// `load_s`); --months then counts back from the latest month with data.
        #[arg(long)]
        from_db: bool,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Benchmark every operating indicator (operations.md) over every plant of a synthetic
    /// group over the twelve months of 2026: quartiles, ranks and quartiles of each plant, year
    /// to date at December.
    Benchmark {
        #[arg(long, default_value_t = 10_000)]
        entities: usize,
        /// Runs to time; the best and the median are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Also write the generated data as CSV here (for the DuckDB comparison).
        #[arg(long)]
        write_csv: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Minute readings/s through the compliance engine (GB 18485 rules) on the simulated
    /// fleet's minutes (the generator of `zx simulate hj212`).
    Cems {
        #[arg(long, default_value_t = 20)]
        stacks: usize,
        #[arg(long, default_value_t = 30)]
        days: usize,
        /// Runs to time; the best and the median are reported.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Threads judging stacks.
        #[arg(long, default_value_t = 2)]
        threads: usize,
        /// Also write the generated minutes as a minute CSV here (for the DuckDB comparison).
        #[arg(long)]
        write_csv: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input (first line).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "hq_analyst", "hq_hr", "entity_manager", "viewer"])]
        role: String,
        /// Root of the subtree an entity_manager or viewer works on (not for admin, hq_analyst, hq_hr).
        #[arg(long)]
        entity: Option<String>,
        /// Read the password from standard input (required: never as an argument).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input); ends the user's sessions.
    Passwd {
        #[arg(long)]
        name: String,
        /// Read the password from standard input (required: never as an argument).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the accounts (never their password hashes).
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Disable an account: its sessions end and its API tokens are revoked.
    Disable {
        #[arg(long)]
        name: String,
    },
    /// Enable a disabled account again (revoked tokens stay revoked).
    Enable {
        #[arg(long)]
        name: String,
    },
    /// Issue a new API bearer token: printed once, only its SHA-256 is stored.
    Token {
        #[arg(long)]
        name: String,
    },
    /// Set (or with --clear remove) the address reminders are e-mailed to.
    Email {
        #[arg(long)]
        name: String,
        #[arg(long, required_unless_present = "clear", conflicts_with = "clear")]
        address: Option<String>,
        #[arg(long)]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MeasuresCommand {
    /// Import a measures list (CSV or XLSX: entity,title,indicator,owner,start,due,status,progress).
    Import { file: PathBuf },
    /// The measures of an entity's subtree, with overdue flags and the completion rate.
    List {
        #[arg(long)]
        entity: Option<String>,
        /// The date overdue is judged on (default: today in China, UTC+8).
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Red indicators without a planned or in-progress measure ("gap without action").
    Gaps {
        #[arg(long)]
        period: String,
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}
