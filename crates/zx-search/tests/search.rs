//! Search on a small Chinese corpus: the practice a person means comes first, by the words they
//! would use, and the index on disk is a cache rebuilt whenever it is missing or stale.

use zx_search::{Filter, Opened, PracticeDoc, PracticeIndex};

fn doc(id: &str, segment: &str, title: &str, body: &str, tags: &[&str]) -> PracticeDoc {
    PracticeDoc {
        id: id.into(),
        title: title.into(),
        body: body.into(),
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        entity: format!("E-{id}"),
        segment: segment.into(),
    }
}

const WTE: &str = "waste-to-energy";

fn corpus() -> Vec<PracticeDoc> {
    vec![
        doc(
            "P1",
            WTE,
            "飞灰螯合剂配比优化",
            "通过小试确定螯合剂最佳添加比例，由3%降至2.2%，稳定化后飞灰浸出浓度仍满足填埋标准，年节约药剂费用约86万元。",
            &["飞灰", "药剂", "降本"],
        ),
        doc(
            "P2",
            WTE,
            "凝汽器胶球在线清洗",
            "恢复胶球清洗系统并每日投球，凝汽器端差下降2.1℃，真空度提高0.8kPa，汽耗率下降。",
            &["汽轮机", "节能"],
        ),
        doc(
            "P3",
            WTE,
            "渗滤液膜系统清洗周期优化",
            "根据跨膜压差制定化学清洗周期，反渗透产水率提高6个百分点，浓缩液回喷焚烧炉。",
            &["渗滤液", "水处理"],
        ),
        doc(
            "P4",
            "solar",
            "光伏组件清洗机器人",
            "采用干式清洗机器人每周清洗组件表面积灰，发电效率提升3.5%，减少人工清洗用水。",
            &["光伏", "清洗"],
        ),
        doc(
            "P5",
            "wind",
            "风机偏航对风优化",
            "利用激光测风雷达校正偏航误差，平均对风偏差由6度降至1.5度，年发电量提高2.3%。",
            &["风电", "发电量"],
        ),
        doc(
            "P6",
            WTE,
            "SNCR脱硝氨水喷射优化",
            "按炉膛温度场分区调节氨水喷枪流量，氨逃逸下降，NOx稳定低于限值，氨水耗量下降18%。",
            &["脱硝", "环保"],
        ),
        doc(
            "P7",
            WTE,
            "炉排燃烧优化",
            "调整一次风配比与炉排速度，炉渣热灼减率降至2.5%以下，飞灰产生量略有下降，吨垃圾发电量提高。",
            &["燃烧", "发电量"],
        ),
        doc(
            "P8",
            "water",
            "污水处理厂精确曝气",
            "按溶解氧在线调节鼓风机，曝气电耗下降15%，出水氨氮稳定达标。",
            &["曝气", "节能"],
        ),
    ]
}

fn first_ids(index: &PracticeIndex, query: &str, filter: &Filter) -> Vec<String> {
    index
        .search(query, filter, 10)
        .unwrap()
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn meaning_words_find_the_practice_first() {
    let index = PracticeIndex::in_memory(&corpus()).unwrap();
    let all = Filter::default();
    // 飞灰 is P1's title and tag and only a word of P7's body: P1 first, P7 found too.
    assert_eq!(first_ids(&index, "飞灰", &all), ["P1", "P7"]);
    // Words people use, not the title's: 真空 is in P2's body only.
    assert_eq!(first_ids(&index, "真空", &all), ["P2"]);
    assert_eq!(first_ids(&index, "渗滤液", &all)[0], "P3");
    assert_eq!(first_ids(&index, "偏航误差", &all)[0], "P5");
    assert_eq!(first_ids(&index, "氨水", &all)[0], "P6");
    assert_eq!(first_ids(&index, "曝气电耗", &all)[0], "P8");
    // Latin words whatever their case.
    assert_eq!(first_ids(&index, "sncr", &all), ["P6"]);
    // Several words: the practice with more of them ranks first (P4: 光伏, 组件, 清洗).
    assert_eq!(first_ids(&index, "光伏组件怎么清洗", &all)[0], "P4");
}

#[test]
fn nothing_is_found_for_no_word_or_an_unknown_one() {
    let index = PracticeIndex::in_memory(&corpus()).unwrap();
    assert!(first_ids(&index, "", &Filter::default()).is_empty());
    assert!(first_ids(&index, "，。", &Filter::default()).is_empty());
    assert!(first_ids(&index, "量子计算", &Filter::default()).is_empty());
}

#[test]
fn a_segment_filter_keeps_its_plants_and_a_practice_can_be_left_out() {
    let index = PracticeIndex::in_memory(&corpus()).unwrap();
    // 清洗 is in P2, P3 (waste-to-energy) and P4 (solar).
    let mut all = first_ids(&index, "清洗", &Filter::default());
    all.sort();
    assert_eq!(all, ["P2", "P3", "P4"]);
    let wte = Filter {
        segment: Some(WTE.into()),
        exclude: None,
    };
    let mut ids = first_ids(&index, "清洗", &wte);
    ids.sort();
    assert_eq!(ids, ["P2", "P3"]);
    let not_p2 = Filter {
        segment: Some(WTE.into()),
        exclude: Some("P2".into()),
    };
    assert_eq!(first_ids(&index, "清洗", &not_p2), ["P3"]);
}

#[test]
fn hits_carry_the_matched_words_marked_in_title_and_snippet() {
    let index = PracticeIndex::in_memory(&corpus()).unwrap();
    let hits = index.search("飞灰", &Filter::default(), 10).unwrap();
    let p1 = &hits[0];
    assert_eq!(p1.title.text, "飞灰螯合剂配比优化");
    assert_eq!(p1.title.marked_words(), ["飞灰"]);
    assert_eq!(p1.title.to_html(), "<mark>飞灰</mark>螯合剂配比优化");
    assert_eq!(p1.snippet.marked_words(), ["飞灰"]);
    assert!(
        p1.snippet
            .to_html()
            .contains("稳定化后<mark>飞灰</mark>浸出浓度")
    );
    assert!(hits[0].score > hits[1].score);
    // A hit in the title only: the snippet is the body's beginning, unmarked.
    let hits = index.search("配比", &Filter::default(), 10).unwrap();
    assert_eq!(hits[0].id, "P1");
    assert!(hits[0].snippet.marks.is_empty());
    assert!(hits[0].snippet.text.starts_with("通过小试"));
}

#[test]
fn the_index_on_disk_is_rebuilt_when_missing_or_stale() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("practices-index");
    let docs = corpus();
    let (index, opened) = PracticeIndex::open_or_rebuild(&path, &docs).unwrap();
    assert_eq!(opened, Opened::Rebuilt);
    let before = first_ids(&index, "飞灰", &Filter::default());
    drop(index);

    let (_, opened) = PracticeIndex::open_or_rebuild(&path, &docs).unwrap();
    assert_eq!(opened, Opened::Existing);

    // Missing: deleted by hand.
    std::fs::remove_dir_all(&path).unwrap();
    let (index, opened) = PracticeIndex::open_or_rebuild(&path, &docs).unwrap();
    assert_eq!(opened, Opened::Rebuilt);
    assert_eq!(first_ids(&index, "飞灰", &Filter::default()), before);
    drop(index);

    // Stale: a practice changed in the database. The new one is found, the old index removed.
    let mut changed = docs.clone();
    changed[7].title = "污水处理厂飞灰无关的精确曝气".into();
    let (index, opened) = PracticeIndex::open_or_rebuild(&path, &changed).unwrap();
    assert_eq!(opened, Opened::Rebuilt);
    assert_eq!(first_ids(&index, "飞灰", &Filter::default()).len(), 3);
    let dirs = std::fs::read_dir(&path).unwrap().count();
    assert_eq!(dirs, 1);

    // Unreadable: its files damaged.
    let built = path.join(&index.stamp()[..32]);
    drop(index);
    std::fs::remove_file(built.join("meta.json")).unwrap();
    let (index, opened) = PracticeIndex::open_or_rebuild(&path, &changed).unwrap();
    assert_eq!(opened, Opened::Rebuilt);
    assert_eq!(first_ids(&index, "飞灰", &Filter::default()).len(), 3);
}

#[test]
fn the_stamp_follows_the_content_not_the_order() {
    let docs = corpus();
    let mut reversed = docs.clone();
    reversed.reverse();
    assert_eq!(zx_search::stamp(&docs), zx_search::stamp(&reversed));
    let mut tagged = docs.clone();
    tagged[0].tags.push("新".into());
    assert_ne!(zx_search::stamp(&docs), zx_search::stamp(&tagged));
}
