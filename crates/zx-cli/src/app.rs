//! What every command needs: the store, the catalogue, the language, who is acting, the clock,
//! and the snapshot loaded from the stored data (the services are `zx-app`'s).

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;
use zx_app::{Clock, DatabaseUrl, Snapshot};
use zx_domain::{Basis, Catalogue, Engine, EntityId, Lang, Month, Period};
use zx_store::Store;

use crate::cli::{BasisArg, Global};

pub struct App {
    pub store: Arc<dyn Store>,
    pub catalogue: Catalogue,
    pub lang: Lang,
    pub user: String,
    /// The `--db` value; shown, a PostgreSQL password is masked.
    pub db: DatabaseUrl,
    /// The one clock of this run, made in `main`.
    pub clock: Arc<dyn Clock>,
}

pub fn load_catalogue(global: &Global) -> Result<Catalogue> {
    match &global.catalogue {
        None => Catalogue::builtin().map_err(|e| anyhow!("built-in catalogue: {e}")),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read catalogue {}", path.display()))?;
            Catalogue::from_toml(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
        }
    }
}

pub fn lang(global: &Global) -> Result<Lang> {
    Lang::parse(&global.lang).ok_or_else(|| anyhow!("--lang: \"{}\" is not zh or en", global.lang))
}

/// Who is acting: `--user`, else the login name, else `cli`.
pub fn user(global: &Global) -> String {
    global
        .user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "cli".to_owned())
}

impl App {
    /// Opens `db` (see [`DatabaseUrl::open`] for `create`) with the settings of `global`.
    pub async fn open(
        global: &Global,
        db: &DatabaseUrl,
        create: bool,
        clock: &Arc<dyn Clock>,
    ) -> Result<Self> {
        let catalogue = load_catalogue(global)?;
        let store = db.open(create).await?;
        Ok(Self {
            store,
            catalogue,
            lang: lang(global)?,
            user: user(global),
            db: db.clone(),
            clock: Arc::clone(clock),
        })
    }

    /// Reads everything and consolidates it ([`zx_app::load_snapshot`]).
    pub async fn load(&self) -> Result<Snapshot> {
        Ok(zx_app::load_snapshot(self.store.as_ref(), &self.catalogue).await?)
    }
}

/// Pretty JSON with every object's keys in sorted order, then a line end: how the CLI has
/// always printed its listings (`{"audit":[…]}`), whatever order a shape declares its fields in.
pub fn write_json(out: &mut impl std::io::Write, value: &impl Serialize) -> Result<()> {
    let sorted = serde_json::to_value(value)?;
    serde_json::to_writer_pretty(&mut *out, &sorted)?;
    writeln!(out)?;
    Ok(())
}

pub fn basis(arg: BasisArg) -> Basis {
    match arg {
        BasisArg::Ytd => Basis::Ytd,
        BasisArg::Month => Basis::Month,
    }
}

pub fn parse_period(text: &str, arg: BasisArg) -> Result<Period> {
    let month = Month::parse(text).map_err(|e| anyhow!("--period: \"{text}\" {e}"))?;
    Ok(Period::new(month, basis(arg)))
}

pub fn find_entity(engine: &Engine, code: &str) -> Result<EntityId> {
    find_in_tree(engine.tree(), code)
}

/// [`find_entity`] for a caller that has the tree without the figures.
pub fn find_in_tree(tree: &zx_domain::EntityTree, code: &str) -> Result<EntityId> {
    match tree.id_of(code) {
        Some(id) => Ok(id),
        None => {
            let known: Vec<&str> = tree
                .roots()
                .iter()
                .map(|&r| tree.entity(r).code.as_str())
                .collect();
            if tree.is_empty() {
                bail!(
                    "--entity: \"{code}\" is not known: the database has no entities yet (zx import entities.csv)"
                )
            }
            bail!(
                "--entity: \"{code}\" is not a known entity code (the group: {}; list them with `zx entities`)",
                known.join(", ")
            )
        }
    }
}

/// The root to report on when none is named: the only root, else an error listing them.
pub fn default_root(engine: &Engine) -> Result<EntityId> {
    let roots = engine.tree().roots();
    match roots.as_slice() {
        [] => bail!("the database has no entities yet: import entities.csv, or run `zx demo`"),
        [root] => Ok(*root),
        many => {
            let codes: Vec<&str> = many
                .iter()
                .map(|&r| engine.tree().entity(r).code.as_str())
                .collect();
            bail!(
                "several groups in this database ({}): pick one with --entity",
                codes.join(", ")
            )
        }
    }
}
