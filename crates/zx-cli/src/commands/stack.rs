//! `zx stack add | import | export | list | retire | rules`: register, import, export and list
//! stacks and their data loggers, and move alarm rule files in and out of the database. The
//! acting user recorded in the audit log is the global `--user`; a data logger's password is
//! never printed (`******`), except by `zx stack export`, whose file is made to be imported again.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use clap::Subcommand;
use zx_api::{PASSWORD_MASK as MASK, RuleSetJson, StackJson};
use zx_domain::EntityCode;
use zx_domain::cems::alarms::{parse, rules, to_toml};
use zx_domain::cems::{DEFAULT_FURNACE_CODE, FactorMap, OXYGEN_CODE, Stack};
use zx_domain::notes::Lang;
use zx_ingest::Input;
use zx_ingest::stacks::{DEFAULT_STANDARD, STACK_CSV_HEADER, parse_aliases, read_stacks};
use zx_store::{ImportSummary, RuleScope, StoredStack, check_rule_scope};

use crate::app::{App, write_json};
use crate::cli::TextFormat;

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Register a stack, or update the one with this MN (audited; the password is not logged).
    Add {
        /// The data logger's HJ 212 MN: 1 to 24 letters, digits, '_' or '-'.
        #[arg(long)]
        mn: String,
        /// The plant or company the stack belongs to.
        #[arg(long)]
        entity: String,
        /// Name shown to people, such as 1号炉.
        #[arg(long)]
        name: String,
        /// The HJ 212 password (PW) the data logger sends.
        #[arg(long)]
        password: String,
        #[arg(long, default_value = DEFAULT_STANDARD)]
        standard: String,
        /// The code the data logger sends the measured O₂ under.
        #[arg(long, default_value = OXYGEN_CODE)]
        oxygen_code: String,
        /// The code of the furnace temperature.
        #[arg(long, default_value = DEFAULT_FURNACE_CODE)]
        furnace_code: String,
        /// Vendor codes mapped to the standard's: NOX=a21002;SO2=a21026.
        #[arg(long, default_value = "")]
        aliases: String,
    },
    /// Register or update every stack of a file (CSV or XLSX with the columns
    /// mn,entity,name,password,standard[,oxygen_code,furnace_code,aliases]): all or nothing.
    Import { file: PathBuf },
    /// The registered stacks (passwords masked).
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
    /// Retire a stack: its frames are no longer expected, its history and alarms stay.
    Retire {
        #[arg(long)]
        mn: String,
    },
    /// Write the active stacks as a stack file (CSV with the header of `zx stack import`) that
    /// `zx stack import` reads back unchanged. The file holds the data loggers' passwords AS
    /// THEY ARE (it is made for re-import): keep it like a password file. Retired stacks are
    /// left out (importing one would reactivate it).
    Export {
        /// Output file; standard output without it.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Alarm rule files: the template of a plant type (`segment:waste-to-energy`) that every
    /// stack of its plants inherits, and a stack's overrides (`stack:<MN>`).
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print (or write) the rule file of a scope: the stored one; without one, the built-in
    /// template of a segment, or an empty override of a stack.
    Export {
        /// `segment:<plant type>` or `stack:<MN>`.
        #[arg(long)]
        scope: String,
        /// Output file; standard output without it.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Check a rule file and store it as the rules of a scope (audited with the old and new
    /// file). A file with any error is refused whole, naming the line and field.
    Import {
        /// `segment:<plant type>` or `stack:<MN>`.
        #[arg(long)]
        scope: String,
        file: PathBuf,
    },
    /// The stored rule files: scope, revision, who changed it last and when.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: TextFormat,
    },
}

pub async fn run(app: &App, command: StackCommand) -> Result<()> {
    let now = app.clock.now();
    match command {
        StackCommand::Add {
            mn,
            entity,
            name,
            password,
            standard,
            oxygen_code,
            furnace_code,
            aliases,
        } => {
            let entity =
                EntityCode::parse(&entity).map_err(|e| anyhow!("--entity: \"{entity}\": {e}"))?;
            let aliases = parse_aliases(&aliases).map_err(|e| anyhow!("--aliases: {e}"))?;
            let stack = Stack {
                mn: mn.trim().to_owned(),
                entity,
                name: name.trim().to_owned(),
                password,
                standard: standard.trim().to_owned(),
                factors: FactorMap {
                    oxygen: oxygen_code.trim().to_owned(),
                    furnace_temperature: furnace_code.trim().to_owned(),
                    aliases,
                },
            };
            let mn = stack.mn.clone();
            let summary = app.store.save_stacks(vec![stack], &app.user, now).await?;
            let what = if summary.created > 0 {
                app.lang.pick("已登记", "registered")
            } else if summary.updated > 0 {
                app.lang.pick("已更新", "updated")
            } else {
                app.lang.pick("无变化", "unchanged")
            };
            println!("{} {mn}: {what}", app.lang.pick("排放口", "stack"));
            Ok(())
        }
        StackCommand::Import { file } => import(app, &file, now).await,
        StackCommand::List { format } => list(app, format).await,
        StackCommand::Export { output } => export(app, output.as_deref()).await,
        StackCommand::Rules { command } => match command {
            RulesCommand::Export { scope, output } => {
                rules_export(app, &scope, output.as_deref()).await
            }
            RulesCommand::Import { scope, file } => rules_import(app, &scope, &file, now).await,
            RulesCommand::List { format } => rules_list(app, format).await,
        },
        StackCommand::Retire { mn } => {
            app.store.retire_stack(&mn, &app.user, now).await?;
            println!(
                "{} {mn}: {}",
                app.lang.pick("排放口", "stack"),
                app.lang.pick("已停用", "retired")
            );
            Ok(())
        }
    }
}

async fn import(app: &App, file: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let entities = app.store.entities().await?;
    let stacks = match read_stacks(
        Input {
            file_name: &name,
            bytes: &bytes,
        },
        &entities,
    ) {
        Ok(stacks) => stacks,
        Err(rejected) => {
            let mut err = std::io::stderr().lock();
            for issue in &rejected.issues {
                match app.lang {
                    Lang::En => writeln!(err, "{issue}")?,
                    Lang::Zh => writeln!(err, "{issue} — {}", issue.message_zh)?,
                }
            }
            bail!(
                "{}",
                app.lang.pick(
                    "文件有错误，未写入任何数据（nothing was imported）",
                    "the file has errors: nothing was imported"
                )
            );
        }
    };
    let count = stacks.len();
    let ImportSummary {
        created,
        updated,
        unchanged,
    } = app
        .store
        .save_stacks(stacks, &app.user, now)
        .await
        .map_err(|e| anyhow!("{e}: nothing was imported"))?;
    match app.lang {
        Lang::En => println!(
            "{name}: {count} stacks: {created} created, {updated} updated, {unchanged} unchanged"
        ),
        Lang::Zh => println!(
            "{name}：{count} 个排放口：新登记 {created}，更新 {updated}，无变化 {unchanged}"
        ),
    }
    Ok(())
}

async fn list(app: &App, format: TextFormat) -> Result<()> {
    let stacks = app.store.stacks().await?;
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let items: Vec<StackJson> = stacks.iter().map(StackJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "stacks": items }))?;
        return Ok(());
    }
    if stacks.is_empty() {
        writeln!(
            out,
            "{}",
            app.lang.pick(
                "尚未登记排放口：用 `zx stack add` 或 `zx stack import FILE` 登记",
                "no stacks yet: register one with `zx stack add` or `zx stack import FILE`"
            )
        )?;
        return Ok(());
    }
    // One line per stack, columns separated by two spaces so names with CJK characters stay
    // readable without width tricks: MN, entity, name, password, standard, state, codes.
    for s in &stacks {
        let aliases: Vec<String> = s.stack.factors.alias_pairs();
        writeln!(
            out,
            "{}  {}  {}  {MASK}  {}  {}  O2={} furnace={}{}",
            s.stack.mn,
            s.stack.entity,
            s.stack.name,
            s.stack.standard,
            if s.active {
                app.lang.pick("在用", "active")
            } else {
                app.lang.pick("已停用", "retired")
            },
            s.stack.factors.oxygen,
            s.stack.factors.furnace_temperature,
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" aliases={}", aliases.join(";"))
            }
        )?;
    }
    Ok(())
}

/// Writes `text` to `output` (then says so on stderr), or to standard output.
fn write_out(app: &App, output: Option<&Path>, text: &str, what: (&str, &str)) -> Result<()> {
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} → {}", app.lang.pick(what.0, what.1), path.display());
        }
    }
    Ok(())
}

/// One CSV cell: quoted (RFC 4180) when it holds a comma, quote, line break or surrounding
/// spaces, so any name reads back as written.
fn csv_cell(text: &str) -> String {
    let needs_quotes = text.contains([',', '"', '\n', '\r'])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace);
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The stack file of `stacks` (active ones only), in the column order of [`STACK_CSV_HEADER`].
pub fn stacks_csv(stacks: &[StoredStack]) -> String {
    let mut out = String::from(STACK_CSV_HEADER);
    out.push('\n');
    for s in stacks.iter().filter(|s| s.active) {
        let aliases: Vec<String> = s.stack.factors.alias_pairs();
        let cells = [
            s.stack.mn.as_str(),
            s.stack.entity.as_str(),
            &s.stack.name,
            &s.stack.password,
            &s.stack.standard,
            &s.stack.factors.oxygen,
            &s.stack.factors.furnace_temperature,
            &aliases.join(";"),
        ];
        let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

async fn export(app: &App, output: Option<&Path>) -> Result<()> {
    let stacks = app.store.stacks().await?;
    let text = stacks_csv(&stacks);
    let count = stacks.iter().filter(|s| s.active).count();
    write_out(
        app,
        output,
        &text,
        (
            &format!("{count} 个排放口（含数采仪密码，请妥善保管）"),
            &format!("{count} stacks (with their data loggers' passwords: keep the file safe)"),
        ),
    )
}

/// What a scope's rule file is when none is stored: the built-in template of the segment, or
/// an empty override (comments only) of a registered stack.
async fn default_rules(app: &App, scope: &str) -> Result<String> {
    match check_rule_scope(scope)? {
        RuleScope::Segment(segment) => {
            let template = rules::builtin(segment).map_err(|e| {
                anyhow!(
                    "{e}: write the file by hand and store it with `zx stack rules import --scope {scope} FILE`"
                )
            })?;
            Ok(to_toml(&template))
        }
        RuleScope::Stack(mn) => {
            if app.store.stack(mn).await?.is_none() {
                bail!("stack {mn} is not registered");
            }
            Ok(format!(
                "# Alarm rule overrides of stack {mn}: none yet; it runs with its segment's template.\n\
                 # Name only what differs, e.g.\n\
                 #\n\
                 #     [stuck]\n\
                 #     minutes = 20\n"
            ))
        }
    }
}

async fn rules_export(app: &App, scope: &str, output: Option<&Path>) -> Result<()> {
    let text = match app.store.alarm_rule_set(scope).await? {
        Some(doc) => doc.body,
        None => default_rules(app, scope).await?,
    };
    write_out(app, output, &text, ("报警规则", "alarm rules"))
}

async fn rules_import(
    app: &App,
    scope: &str,
    file: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let kind = check_rule_scope(scope)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed =
        parse(&text).map_err(|e| anyhow!("{}: {e}: nothing was stored", file.display()))?;
    // A template exported for one plant type and imported for another is a mistake.
    if let (RuleScope::Segment(segment), Some(named)) = (kind, parsed.segment.as_deref())
        && named != segment
    {
        bail!(
            "{}: segment = \"{named}\" but the scope is {scope}: nothing was stored",
            file.display()
        );
    }
    let current = app.store.alarm_rule_set(scope).await?;
    let unchanged = current.as_ref().is_some_and(|c| c.body == text);
    let revision = app
        .store
        .put_alarm_rule_set(
            scope,
            &text,
            current.as_ref().map(|c| c.revision),
            &app.user,
            now,
        )
        .await
        .map_err(|e| anyhow!("{e}: nothing was stored"))?;
    let what = if unchanged {
        app.lang.pick("无变化", "unchanged")
    } else {
        app.lang.pick("已保存", "stored")
    };
    println!(
        "{} {scope}: {what}, {} {revision}",
        app.lang.pick("报警规则", "alarm rules"),
        app.lang.pick("版本", "revision")
    );
    Ok(())
}

async fn rules_list(app: &App, format: TextFormat) -> Result<()> {
    let sets = app.store.alarm_rule_sets().await?;
    let time =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut out = std::io::stdout().lock();
    if format == TextFormat::Json {
        let items: Vec<RuleSetJson> = sets.iter().map(RuleSetJson::from).collect();
        write_json(&mut out, &serde_json::json!({ "rule_sets": items }))?;
        return Ok(());
    }
    if sets.is_empty() {
        writeln!(
            out,
            "{}",
            app.lang.pick(
                "尚未保存报警规则：各排放口使用内置模板（zx stack rules export --scope segment:waste-to-energy）",
                "no alarm rules stored: stacks run with the built-in template (zx stack rules export --scope segment:waste-to-energy)"
            )
        )?;
        return Ok(());
    }
    for d in &sets {
        writeln!(
            out,
            "{}  {} {}  {}  {}",
            d.scope,
            app.lang.pick("版本", "revision"),
            d.revision,
            d.updated_by,
            time(d.updated_at)
        )?;
    }
    Ok(())
}
