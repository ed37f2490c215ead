//! `zx export`, `zx restore` and `zx migrate`: moving a whole database between backends (or into
//! a file kept elsewhere), and bringing its schema up to date.
//!
//! The archive file is JSON Lines (`zx_store::archive`): a header line with the format name and
//! version, the version of `zx` that wrote it and the number of records of each kind, then one
//! record per line. gzip-compressed when the output name ends in `.gz`; `zx restore` recognises
//! a compressed file by its first bytes, whatever its name.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use indicatif::{ProgressBar, ProgressStyle};
use zx_app::DatabaseUrl;
use zx_domain::Lang;
use zx_store::archive::{ArchiveCounts, read_lines, write_lines};

use crate::app::lang;
use crate::cli::Global;

/// The version written into every archive header.
const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A bar over records (drawn on standard error, and only on a terminal).
fn bar(length: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {human_pos}/{human_len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}

/// A spinner for a step that reports no progress of its own (one database transaction).
fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner
}

fn counts_line(counts: &ArchiveCounts, lang: Lang) -> String {
    // In the order of `ArchiveCounts::named`, then `named_emissions`.
    let zh = [
        "报送记录",
        "单位",
        "数据修订",
        "目标修订",
        "账号",
        "API 令牌",
        "期间状态",
        "审计记录",
        "措施",
        "通知",
        "督导检查",
        "协办人",
        "进展",
        "节点",
        "佐证文件",
        "附件",
    ];
    let emissions_zh = ["排放口", "报警规则", "报警"];
    let named = counts.named().into_iter().zip(zh);
    let optional = counts
        .named_emissions()
        .into_iter()
        .zip(emissions_zh)
        .chain(
            counts
                .named_tables()
                .into_iter()
                .map(|(table, n)| ((table.label_en, n), table.label_zh)),
        )
        .filter(|((_, n), _)| *n > 0);
    named
        .chain(optional)
        .map(|((en, n), zh)| match lang {
            Lang::En => format!("{n} {en}"),
            Lang::Zh => format!("{zh} {n}"),
        })
        .collect::<Vec<_>>()
        .join(lang.pick("，", ", "))
}

/// `zx export --db A -o FILE`.
pub async fn export(global: &Global, db: &DatabaseUrl, output: &Path, force: bool) -> Result<()> {
    let lang = lang(global)?;
    if output.exists() && !force {
        bail!(
            "{} already exists: pass --force to replace it",
            output.display()
        );
    }
    let shown = db.to_string();
    let store = db.open(false).await?;
    let reading = spinner(format!("{} {shown}", lang.pick("读取", "reading")));
    let archive = store.export().await?;
    reading.finish_and_clear();
    let counts = archive.counts();

    // Written beside the target and renamed into place once complete: a failed export never
    // leaves a truncated archive under the name asked for.
    let dir = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let temporary = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))?;
    let gzip = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let writing = bar(counts.total() as u64, "export");
    {
        let file = BufWriter::new(temporary.as_file());
        let mut tick = || writing.inc(1);
        let written = if gzip {
            let mut encoder = GzEncoder::new(file, Compression::default());
            write_lines(&archive, TOOL_VERSION, &mut encoder, &mut tick)
                .map_err(|e| anyhow!("{e}"))
                .and_then(|()| Ok(encoder.finish()?))
                .and_then(|mut file| Ok(file.flush()?))
        } else {
            let mut file = file;
            write_lines(&archive, TOOL_VERSION, &mut file, &mut tick)
                .map_err(|e| anyhow!("{e}"))
                .and_then(|()| Ok(file.flush()?))
        };
        written.with_context(|| format!("cannot write {}", output.display()))?;
    }
    writing.finish_and_clear();
    temporary
        .as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", output.display()))?;
    temporary
        .persist(output)
        .map_err(|e| anyhow!("cannot write {}: {}", output.display(), e.error))?;
    let size = std::fs::metadata(output).map(|m| m.len()).unwrap_or(0);
    println!(
        "{} {shown} → {} ({:.1} MB{})",
        lang.pick("已导出", "exported"),
        output.display(),
        size as f64 / 1e6,
        if gzip { ", gzip" } else { "" }
    );
    println!("{}", counts_line(&counts, lang));
    Ok(())
}

/// `zx restore --db B FILE`.
pub async fn restore(global: &Global, db: &DatabaseUrl, file: &Path) -> Result<()> {
    let lang = lang(global)?;
    let opened = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut buffered = BufReader::with_capacity(1 << 16, opened);
    let gzip = buffered
        .fill_buf()
        .with_context(|| format!("cannot read {}", file.display()))?
        .starts_with(&[0x1f, 0x8b]);
    let mut input: Box<dyn BufRead> = if gzip {
        Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let reading = bar(0, "restore");
    let (header, archive) = read_lines(
        &mut input,
        &mut |header| reading.set_length(header.counts.total() as u64),
        &mut || reading.inc(1),
    )
    .map_err(|e| anyhow!("{}: {e}", file.display()))?;
    reading.finish_and_clear();

    let shown = db.to_string();
    let store = db.open(true).await?;
    let writing = spinner(format!(
        "{} {shown}",
        lang.pick("写入（一个事务）", "writing (one transaction)")
    ));
    let restored = store.restore(&archive).await;
    writing.finish_and_clear();
    restored.map_err(|e| anyhow!("restore failed, nothing was written: {e}"))?;
    println!(
        "{} {} → {shown} ({} zx {}, {} {})",
        lang.pick("已恢复", "restored"),
        file.display(),
        lang.pick("导出自", "archive of"),
        header.tool_version,
        lang.pick("格式", "format"),
        header.format_version
    );
    println!("{}", counts_line(&archive.counts(), lang));
    Ok(())
}

fn version_text(version: Option<i64>, lang: Lang) -> String {
    match version {
        Some(v) => v.to_string(),
        None => lang.pick("无", "none").to_owned(),
    }
}

/// `zx migrate --db URL`.
pub async fn migrate(global: &Global, db: &DatabaseUrl) -> Result<()> {
    let lang = lang(global)?;
    let shown = db.to_string();
    let (before, after) = db.migrate().await?;
    if before.applied == after.applied {
        println!(
            "{shown}: {} {} — {}",
            lang.pick("数据库结构版本", "schema"),
            version_text(after.applied, lang),
            lang.pick("已是最新", "up to date")
        );
    } else {
        println!(
            "{shown}: {} {} → {} ({} {})",
            lang.pick("数据库结构版本", "schema"),
            version_text(before.applied, lang),
            version_text(after.applied, lang),
            lang.pick("本程序支持到", "this zx knows up to"),
            after.known
        );
    }
    Ok(())
}
