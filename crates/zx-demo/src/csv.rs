//! The import files: `entities.csv`, `data.csv`, `targets.csv` (formats of kpi.md and testdata).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::DemoData;

/// A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180).
fn field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

fn create(dir: &Path, name: &str) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 16,
        File::create(dir.join(name))?,
    ))
}

pub(crate) fn write_csv(data: &DemoData, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;

    let mut out = create(dir, "entities.csv")?;
    writeln!(out, "code,name,parent,kind,region,segment")?;
    for e in &data.entities {
        writeln!(
            out,
            "{},{},{},{},{},{}",
            field(e.code.as_str()),
            field(&e.name),
            field(e.parent.as_ref().map_or("", |p| p.as_str())),
            e.kind.as_str(),
            field(&e.region),
            field(&e.segment),
        )?;
    }
    out.flush()?;

    let mut out = create(dir, "data.csv")?;
    writeln!(out, "entity,period,item,value,basis")?;
    for f in &data.facts {
        writeln!(
            out,
            "{},{},{},{},{}",
            field(f.entity.as_str()),
            f.month,
            field(&f.item),
            f.value,
            f.basis.as_str(),
        )?;
    }
    out.flush()?;

    let mut out = create(dir, "targets.csv")?;
    writeln!(out, "entity,year,indicator,target")?;
    for t in &data.targets {
        writeln!(
            out,
            "{},{},{},{}",
            field(t.entity.as_str()),
            t.year,
            field(&t.indicator),
            t.value,
        )?;
    }
    out.flush()
}
