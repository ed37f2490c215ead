//! What every command needs: the store, the catalogue, the language, who is acting, and the
//! engine built from the stored data.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use zx_domain::engine::DataNote;
use zx_domain::{
    Basis, Catalogue, Engine, EntityId, EntityTree, Lang, Ledger, Month, Period, TargetBook,
};
use zx_store::{Store, redact_url};
use zx_store_postgres::{PgStore, is_postgres_url};
use zx_store_sqlite::SqliteStore;

use crate::cli::{BasisArg, Global};

pub struct App {
    pub store: Arc<dyn Store>,
    pub catalogue: Catalogue,
    pub lang: Lang,
    pub user: String,
    /// The `--db` value as it may be shown: a PostgreSQL password is masked.
    pub db: String,
}

/// The loaded data: consolidated engine, targets and data-quality notes.
pub struct Loaded {
    pub engine: Engine,
    pub targets: TargetBook,
    pub notes: Vec<DataNote>,
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

/// Opens the database `--db` names, choosing the backend by the URL's scheme:
/// `postgres://` or `postgresql://` is PostgreSQL, anything else a SQLite file (a path or a
/// `sqlite://` URL). `create`: make the database (file, or PostgreSQL database and schema) when
/// missing; otherwise a missing one is an error that names `zx init`.
pub async fn open_store(url: &str, create: bool) -> Result<Arc<dyn Store>> {
    if is_postgres_url(url) {
        Ok(Arc::new(PgStore::open(url, create).await?))
    } else {
        Ok(Arc::new(SqliteStore::open(url, create).await?))
    }
}

impl App {
    pub async fn open(global: &Global, create: bool) -> Result<Self> {
        let catalogue = load_catalogue(global)?;
        let store = open_store(&global.db, create).await?;
        Ok(Self {
            store,
            catalogue,
            lang: lang(global)?,
            user: user(global),
            db: redact_url(&global.db),
        })
    }

    /// Reads everything and consolidates it. Fast enough to do per command: the whole demo
    /// group loads and consolidates in milliseconds.
    pub async fn load(&self) -> Result<Loaded> {
        let entities = self.store.entities().await?;
        let tree = EntityTree::build(entities).map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            anyhow!("the stored group tree is inconsistent: {}", list.join("; "))
        })?;
        let facts = self.store.current_facts().await?;
        let (ledger, notes) = Ledger::from_facts(&tree, &self.catalogue, &facts);
        let targets = TargetBook::new(self.store.targets().await?);
        Ok(Loaded {
            engine: Engine::new(tree, self.catalogue.clone(), ledger),
            targets,
            notes,
        })
    }
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
