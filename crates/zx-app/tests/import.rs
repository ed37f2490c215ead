//! The check-and-import service on a temporary SQLite database.

use zx_app::import::{SourceFile, check_files};
use zx_app::{Clock, DatabaseUrl, FixedClock, load_snapshot};
use zx_domain::Catalogue;
use zx_store::content_sha256;

const ENTITIES: &str = "code,name,parent,kind,region,segment\n\
                        G,示例集团,,group,北京,\n\
                        S1,福建子公司,G,subsidiary,福建,waste-to-energy\n";

const DECEMBER: &str = "entity,period,item,value,basis\n\
                        S1,2026-12,total_assets,1000.50,month\n";

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        name: name.to_owned(),
        bytes: text.as_bytes().to_vec(),
    }
}

#[tokio::test]
async fn a_month_may_be_submitted_once_it_has_begun_in_china() {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseUrl::parse(&dir.path().join("zx.db").display().to_string()).unwrap();
    let store = db.open(true).await.unwrap();
    let catalogue = Catalogue::builtin().unwrap();
    // The data file first: entities are checked before what refers to them, whatever the order.
    let files = [file("data.csv", DECEMBER), file("entities.csv", ENTITIES)];

    // 23:59 on the 30th of November in Beijing: December is still the future.
    let evening = FixedClock("2026-11-30T15:59:00Z".parse().unwrap());
    let checked = check_files(store.as_ref(), &catalogue, &files, evening.now())
        .await
        .unwrap();
    assert!(!checked.is_ok());
    assert_eq!(checked.errors.len(), 1, "{:?}", checked.errors);
    let error = &checked.errors[0];
    assert_eq!(
        (error.code.as_str(), error.file.as_str()),
        ("invalid_period", "data.csv")
    );
    assert!(
        store.entities().await.unwrap().is_empty(),
        "nothing written"
    );

    // 00:30 on the 1st of December in Beijing (still the 30th in UTC): December has begun.
    let after_midnight = FixedClock("2026-11-30T16:30:00Z".parse().unwrap());
    let checked = check_files(store.as_ref(), &catalogue, &files, after_midnight.now())
        .await
        .unwrap();
    assert!(checked.is_ok(), "{:?}", checked.errors);
    let imported = checked
        .import(store.as_ref(), "clerk", after_midnight.now())
        .await
        .unwrap();
    let summary: Vec<(&str, &str, usize, usize)> = imported
        .files
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.rows, f.receipt.inserted))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("entities.csv", "entities", 2, 2),
            ("data.csv", "data", 1, 1)
        ]
    );
    assert_eq!(imported.files[0].encoding, "UTF-8");

    let submissions = store.submissions().await.unwrap();
    assert_eq!(submissions.len(), 2);
    let data = submissions
        .iter()
        .find(|s| s.file_name == "data.csv")
        .unwrap();
    assert_eq!(data.sha256, content_sha256(DECEMBER.as_bytes()));
    assert_eq!(
        (data.user.as_str(), data.at),
        ("clerk", after_midnight.now())
    );
    let facts = store.current_facts().await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].value, "1000.50".parse().unwrap());

    // What the commands and pages read: the tree and the consolidated figures.
    let snapshot = load_snapshot(store.as_ref(), &catalogue).await.unwrap();
    let tree = snapshot.engine.tree();
    assert_eq!(tree.len(), 2);
    assert_eq!(snapshot.engine.last_month().unwrap().to_string(), "2026-12");
    assert!(snapshot.notes.is_empty());

    // The same file again: recorded, nothing changed.
    let again = check_files(
        store.as_ref(),
        &catalogue,
        &files[..1],
        after_midnight.now(),
    )
    .await
    .unwrap()
    .import(store.as_ref(), "clerk", after_midnight.now())
    .await
    .unwrap();
    assert_eq!(again.files[0].receipt.unchanged, 1);
}

#[tokio::test]
async fn a_measures_list_is_refused_by_the_data_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseUrl::parse(&dir.path().join("zx.db").display().to_string()).unwrap();
    let store = db.open(true).await.unwrap();
    let catalogue = Catalogue::builtin().unwrap();
    let measures = file(
        "measures.csv",
        "entity,title,indicator,owner,start,due,status,progress\n\
         S1,降本增效,total_profit,clerk,2026-01-01,2026-12-31,planned,0\n",
    );
    let refused = check_files(
        store.as_ref(),
        &catalogue,
        &[file("entities.csv", ENTITIES), measures],
        FixedClock("2026-06-01T00:00:00Z".parse().unwrap()).now(),
    )
    .await;
    match refused {
        Err(e) => assert_eq!(
            e.to_string(),
            "measures.csv is a measures list: import it with `zx measures import`"
        ),
        Ok(checked) => panic!("accepted: {:?}", checked.errors),
    }
}
