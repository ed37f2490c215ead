//! Following a measure up: updates with comments on an optimistic revision, milestones, evidence
//! stored once per content, visits whose requirements become measures, e-mail addresses. Every
//! change is audited with old and new value; every refusal writes nothing.

use zx_domain::{Measure, MeasureStatus};
use zx_store::{MeasureChange, NewAttachment, NewMeasure, NewVisit, Store, StoreError};

use crate::measures::{at, audit_lines, code, date, new_measure, setup};

/// (user, action, object, old, new) of the newest `n` audit lines, oldest first.
async fn newest(
    store: &dyn Store,
    n: usize,
) -> Vec<(String, String, String, Option<String>, Option<String>)> {
    let mut lines: Vec<_> = audit_lines(store)
        .await
        .into_iter()
        .take(n)
        .map(|e| (e.user, e.action, e.object, e.old_value, e.new_value))
        .collect();
    lines.reverse();
    lines
}

fn line(
    user: &str,
    action: &str,
    object: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> (String, String, String, Option<String>, Option<String>) {
    (
        user.into(),
        action.into(),
        object.into(),
        old.map(Into::into),
        new.map(Into::into),
    )
}

fn change(comment: &str) -> MeasureChange {
    MeasureChange {
        comment: comment.into(),
        ..MeasureChange::default()
    }
}

pub async fn a_measure_is_followed_up_with_updates_and_an_audit_trail(store: &dyn Store) {
    setup(store).await;
    let id = store
        .create_measure(
            NewMeasure {
                indicator: Some("total_profit".into()),
                start: Some(date("2026-04-01")),
                description: "更换给水泵变频器".into(),
                expected_effect: "+3 M yuan total profit".into(),
                co_owners: vec!["li.hq".into()],
                ..new_measure("P1", "降低厂用电率", "fujian", "2026-06-30")
            },
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    let created = store.measure(id).await.unwrap().unwrap();
    assert_eq!(
        (
            created.revision,
            created.co_owners.clone(),
            created.description.as_str()
        ),
        (1, vec!["li.hq".to_owned()], "更换给水泵变频器")
    );
    assert_eq!(created.expected_effect, "+3 M yuan total profit");

    // Progress with a comment: a planned measure with progress is started.
    let after = store
        .update_measure(
            id,
            1,
            MeasureChange {
                progress: Some(30),
                ..change("变频器已到货")
            },
            "fujian",
            at(3, 10),
        )
        .await
        .unwrap();
    assert_eq!(
        (after.status, after.progress, after.revision),
        (MeasureStatus::InProgress, 30, 2)
    );
    // The same page submitted again (revision 1) is refused, writing nothing.
    let stale = store
        .update_measure(
            id,
            1,
            MeasureChange {
                progress: Some(50),
                ..change("")
            },
            "li.hq",
            at(3, 11),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    // Moving the deadline without a reason is refused; with one it is recorded.
    let no_reason = store
        .update_measure(
            id,
            2,
            MeasureChange {
                due: Some(date("2026-08-31")),
                ..change(" ")
            },
            "fujian",
            at(3, 12),
        )
        .await;
    assert!(
        matches!(&no_reason, Err(StoreError::Invalid(m)) if m == "measure 1: moving the deadline from 2026-06-30 to 2026-08-31 needs a reason"),
        "{no_reason:?}"
    );
    store
        .update_measure(
            id,
            2,
            MeasureChange {
                due: Some(date("2026-08-31")),
                ..change("设备安装窗口推迟到检修期")
            },
            "fujian",
            at(4, 9),
        )
        .await
        .unwrap();
    let done = store
        .update_measure(
            id,
            3,
            MeasureChange {
                status: Some(MeasureStatus::Done),
                ..change("改造完成，厂用电率下降0.6个百分点")
            },
            "fujian",
            at(5, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        (done.status, done.progress, done.revision),
        (MeasureStatus::Done, 100, 4)
    );
    assert_eq!(done.due, date("2026-08-31"));
    assert_eq!(store.measures().await.unwrap(), vec![done.clone()]);

    let updates = store.measure_updates(Some(id)).await.unwrap();
    let summary: Vec<(&str, &str, MeasureStatus, MeasureStatus, u8, u8, String)> = updates
        .iter()
        .map(|u| {
            (
                u.by.as_str(),
                u.comment.as_str(),
                u.status_before,
                u.status_after,
                u.progress_before,
                u.progress_after,
                format!("{}→{}", u.due_before, u.due_after),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "fujian",
                "变频器已到货",
                MeasureStatus::Planned,
                MeasureStatus::InProgress,
                0,
                30,
                "2026-06-30→2026-06-30".into()
            ),
            (
                "fujian",
                "设备安装窗口推迟到检修期",
                MeasureStatus::InProgress,
                MeasureStatus::InProgress,
                30,
                30,
                "2026-06-30→2026-08-31".into()
            ),
            (
                "fujian",
                "改造完成，厂用电率下降0.6个百分点",
                MeasureStatus::InProgress,
                MeasureStatus::Done,
                30,
                100,
                "2026-08-31→2026-08-31".into()
            ),
        ]
    );
    assert_eq!(updates[0].at, at(3, 10));
    assert_eq!(store.measure_updates(None).await.unwrap(), updates);
    assert_eq!(
        newest(store, 4).await,
        vec![
            line(
                "li.hq",
                "measure.create",
                "measure 1",
                None,
                Some(
                    "title=降低厂用电率; entity=P1; owner=fujian; due=2026-06-30; status=planned; progress=0"
                )
            ),
            line(
                "fujian",
                "measure.update",
                "measure 1",
                Some("status=planned; progress=0; due=2026-06-30"),
                Some("status=in_progress; progress=30; due=2026-06-30; comment=变频器已到货")
            ),
            line(
                "fujian",
                "measure.update",
                "measure 1",
                Some("status=in_progress; progress=30; due=2026-06-30"),
                Some(
                    "status=in_progress; progress=30; due=2026-08-31; comment=设备安装窗口推迟到检修期"
                )
            ),
            line(
                "fujian",
                "measure.update",
                "measure 1",
                Some("status=in_progress; progress=30; due=2026-08-31"),
                Some(
                    "status=done; progress=100; due=2026-08-31; comment=改造完成，厂用电率下降0.6个百分点"
                )
            ),
        ]
    );

    // A cancel needs a reason; a disabled or unknown co-owner refuses the measure.
    let second = store
        .create_measure(
            new_measure("P2", "出售旧锅炉", "li.hq", "2026-12-31"),
            "li.hq",
            at(6, 9),
        )
        .await
        .unwrap();
    let cancel = store
        .update_measure(
            second,
            1,
            MeasureChange {
                status: Some(MeasureStatus::Cancelled),
                ..change("")
            },
            "li.hq",
            at(6, 10),
        )
        .await;
    assert!(
        matches!(&cancel, Err(StoreError::Invalid(m)) if m == "measure 2: cancelling a measure needs a reason"),
        "{cancel:?}"
    );
    let lines_before = audit_lines(store).await.len();
    for (co_owner, message) in [
        (
            "gone",
            "measure 1 (共担措施): its co-owner gone is disabled",
        ),
        (
            "nobody",
            "measure 1 (共担措施): no user named \"nobody\" to share it",
        ),
    ] {
        let refused = store
            .create_measure(
                NewMeasure {
                    co_owners: vec![co_owner.into()],
                    ..new_measure("P1", "共担措施", "fujian", "2026-09-30")
                },
                "li.hq",
                at(6, 11),
            )
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(m)) if m == message),
            "{refused:?}"
        );
    }
    assert_eq!(audit_lines(store).await.len(), lines_before);
    assert_eq!(store.measures().await.unwrap().len(), 2);
    assert!(store.measure(99).await.unwrap().is_none());
}

pub async fn evidence_is_stored_once_per_content_and_milestones_close(store: &dyn Store) {
    setup(store).await;
    let ids = store
        .import_measures(
            vec![
                new_measure("P1", "降低厂用电率", "fujian", "2026-06-30"),
                new_measure("P2", "应收账款清收", "li.hq", "2026-06-30"),
            ],
            "措施.csv",
            &"cd".repeat(32),
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    let milestone = store
        .add_milestone(ids[0], " 设备到货 ", date("2026-05-15"), "fujian", at(3, 9))
        .await
        .unwrap();
    let other = store
        .add_milestone(ids[1], "对账", date("2026-04-30"), "li.hq", at(3, 10))
        .await
        .unwrap();
    store
        .complete_milestone(milestone, date("2026-05-12"), "fujian", at(4, 9))
        .await
        .unwrap();
    let list = store.milestones(Some(ids[0])).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].title.as_str(), list[0].due, list[0].done_on),
        ("设备到货", date("2026-05-15"), Some(date("2026-05-12")))
    );
    // All milestones, by due date.
    let all: Vec<i64> = store
        .milestones(None)
        .await
        .unwrap()
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(all, vec![other, milestone]);

    let pdf = b"%PDF-1.7\n% evidence of the retrofit\n".to_vec();
    // `printf '%%PDF-1.7\n%% evidence of the retrofit\n' | sha256sum`; 36 bytes.
    let sha = "f16fc615ab5326f15be7c93105bce66ce067df4994883d19fe19a6f731d214b2";
    let first = store
        .add_attachment(
            NewAttachment {
                measure: ids[0],
                milestone: Some(milestone),
                file_name: "验收单.pdf".into(),
                media_type: "application/pdf".into(),
                content: pdf.clone(),
            },
            "fujian",
            at(4, 10),
        )
        .await
        .unwrap();
    assert_eq!(first.sha256, sha);
    assert_eq!((first.size, first.at), (36, at(4, 10)));
    // The same file again, on the measure itself: a second attachment, the content once.
    let second = store
        .add_attachment(
            NewAttachment {
                measure: ids[0],
                milestone: None,
                file_name: "copy.pdf".into(),
                media_type: "application/pdf".into(),
                content: pdf.clone(),
            },
            "li.hq",
            at(4, 11),
        )
        .await
        .unwrap();
    assert_ne!(first.id, second.id);
    assert_eq!(
        store.attachments(Some(ids[0])).await.unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert!(store.attachments(Some(ids[1])).await.unwrap().is_empty());
    let (meta, content) = store.attachment_content(first.id).await.unwrap().unwrap();
    assert_eq!((meta, content), (first.clone(), pdf.clone()));
    assert!(store.attachment_content(999).await.unwrap().is_none());
    let archive = store.export().await.unwrap();
    assert_eq!(archive.blobs.len(), 1);
    assert_eq!(archive.attachments.len(), 2);

    // A milestone of another measure, or no measure at all: refused, nothing written.
    let lines_before = audit_lines(store).await.len();
    let wrong = store
        .add_attachment(
            NewAttachment {
                measure: ids[0],
                milestone: Some(other),
                file_name: "x.pdf".into(),
                media_type: "application/pdf".into(),
                content: b"%PDF-1.7 other".to_vec(),
            },
            "fujian",
            at(4, 12),
        )
        .await;
    assert!(
        matches!(&wrong, Err(StoreError::Invalid(m)) if m == &format!("milestone {other} is not one of measure {}", ids[0])),
        "{wrong:?}"
    );
    let missing = store
        .add_attachment(
            NewAttachment {
                measure: 42,
                milestone: None,
                file_name: "x.pdf".into(),
                media_type: "application/pdf".into(),
                content: b"%PDF".to_vec(),
            },
            "fujian",
            at(4, 12),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::Invalid(_))));
    assert!(matches!(
        store
            .add_milestone(ids[0], "  ", date("2026-05-01"), "fujian", at(4, 12))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(audit_lines(store).await.len(), lines_before);
    assert_eq!(store.export().await.unwrap().blobs.len(), 1);

    let audit = newest(store, 5).await;
    assert_eq!(
        audit,
        vec![
            line(
                "fujian",
                "milestone.create",
                &format!("milestone {milestone}"),
                None,
                Some("measure=1; title=设备到货; due=2026-05-15")
            ),
            line(
                "li.hq",
                "milestone.create",
                &format!("milestone {other}"),
                None,
                Some("measure=2; title=对账; due=2026-04-30")
            ),
            line(
                "fujian",
                "milestone.done",
                &format!("milestone {milestone}"),
                None,
                Some("2026-05-12")
            ),
            line(
                "fujian",
                "attachment.add",
                "measure 1",
                None,
                Some(&format!(
                    "name=验收单.pdf; type=application/pdf; size=36; sha256={sha}"
                ))
            ),
            line(
                "li.hq",
                "attachment.add",
                "measure 1",
                None,
                Some(&format!(
                    "name=copy.pdf; type=application/pdf; size=36; sha256={sha}"
                ))
            ),
        ]
    );
}

pub async fn a_visit_turns_its_requirements_into_measures(store: &dyn Store) {
    setup(store).await;
    let visit = NewVisit {
        leader: "王董事长".into(),
        start: date("2026-04-02"),
        end: date("2026-04-03"),
        entities: vec![code("P1"), code("G")],
        participants: "运营管理部、安全环保部".into(),
        summary: "调研提质增效推进情况".into(),
        findings: "厂用电率偏高；应收账款回收慢".into(),
        requirements: vec![
            NewMeasure {
                indicator: Some("total_profit".into()),
                ..new_measure("P1", "三个月内厂用电率降到12%以下", "fujian", "2026-07-02")
            },
            new_measure("G", "建立应收账款周通报机制", "li.hq", "2026-05-31"),
        ],
    };
    let (id, measures) = store
        .create_visit(visit.clone(), "li.hq", at(4, 9))
        .await
        .unwrap();
    assert_eq!(measures.len(), 2);
    let visits = store.visits().await.unwrap();
    assert_eq!(visits.len(), 1);
    let v = &visits[0];
    assert_eq!(
        (
            v.id,
            v.leader.as_str(),
            v.start,
            v.end,
            v.entities.clone(),
            v.at,
            v.by.as_str()
        ),
        (
            id,
            "王董事长",
            date("2026-04-02"),
            date("2026-04-03"),
            vec![code("G"), code("P1")],
            at(4, 9),
            "li.hq"
        )
    );
    assert_eq!(v.findings, "厂用电率偏高；应收账款回收慢");
    let listed: Vec<(i64, Option<i64>, String)> = store
        .measures()
        .await
        .unwrap()
        .into_iter()
        .map(|m: Measure| (m.id, m.visit, m.title))
        .collect();
    assert_eq!(
        listed,
        vec![
            (measures[0], Some(id), "三个月内厂用电率降到12%以下".into()),
            (measures[1], Some(id), "建立应收账款周通报机制".into()),
        ]
    );
    assert_eq!(
        newest(store, 3).await,
        vec![
            line(
                "li.hq",
                "visit.create",
                &format!("visit {id}"),
                None,
                Some(
                    "leader=王董事长; dates=2026-04-02..2026-04-03; entities=P1,G; requirements=2"
                )
            ),
            line(
                "li.hq",
                "measure.create",
                &format!("measure {}", measures[0]),
                None,
                Some(
                    "title=三个月内厂用电率降到12%以下; entity=P1; owner=fujian; due=2026-07-02; status=planned; progress=0"
                )
            ),
            line(
                "li.hq",
                "measure.create",
                &format!("measure {}", measures[1]),
                None,
                Some(
                    "title=建立应收账款周通报机制; entity=G; owner=li.hq; due=2026-05-31; status=planned; progress=0"
                )
            ),
        ]
    );

    // An unknown entity visited, or a requirement owned by a disabled user: nothing written.
    let lines_before = audit_lines(store).await.len();
    let unknown = store
        .create_visit(
            NewVisit {
                entities: vec![code("XM")],
                ..visit.clone()
            },
            "li.hq",
            at(5, 9),
        )
        .await;
    assert!(
        matches!(&unknown, Err(StoreError::Invalid(m)) if m == "the visit names the unknown entity XM"),
        "{unknown:?}"
    );
    let disabled_owner = store
        .create_visit(
            NewVisit {
                requirements: vec![new_measure("P2", "整改", "gone", "2026-06-30")],
                ..visit.clone()
            },
            "li.hq",
            at(5, 9),
        )
        .await;
    assert!(matches!(disabled_owner, Err(StoreError::Invalid(_))));
    let backwards = store
        .create_visit(
            NewVisit {
                end: date("2026-04-01"),
                ..visit
            },
            "li.hq",
            at(5, 9),
        )
        .await;
    assert!(matches!(backwards, Err(StoreError::Invalid(_))));
    assert_eq!(audit_lines(store).await.len(), lines_before);
    assert_eq!(store.visits().await.unwrap().len(), 1);
    assert_eq!(store.measures().await.unwrap().len(), 2);
}

pub async fn email_addresses_are_checked_and_audited(store: &dyn Store) {
    setup(store).await;
    store
        .set_email("fujian", Some(" fujian@zx-group.cn "), "admin", at(2, 9))
        .await
        .unwrap();
    let users = store.users().await.unwrap();
    let fujian = users.iter().find(|u| u.name == "fujian").unwrap();
    assert_eq!(fujian.email.as_deref(), Some("fujian@zx-group.cn"));
    for bad in ["fujian", "a b@x.cn", "@x.cn", "x@localhost"] {
        let refused = store
            .set_email("fujian", Some(bad), "admin", at(2, 10))
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(m)) if m == &format!("\"{bad}\" is not an e-mail address")),
            "{refused:?}"
        );
    }
    assert!(matches!(
        store
            .set_email("nobody", Some("a@b.cn"), "admin", at(2, 10))
            .await,
        Err(StoreError::Invalid(_))
    ));
    store
        .set_email("fujian", None, "admin", at(2, 11))
        .await
        .unwrap();
    assert_eq!(
        newest(store, 2).await,
        vec![
            line(
                "admin",
                "user.email",
                "user fujian",
                None,
                Some("fujian@zx-group.cn")
            ),
            line(
                "admin",
                "user.email",
                "user fujian",
                Some("fujian@zx-group.cn"),
                None
            ),
        ]
    );
    let (user, _) = store.user_with_hash("fujian").await.unwrap().unwrap();
    assert_eq!(user.email, None);
}

pub async fn co_owners_are_replaced_on_a_revision_and_audited(store: &dyn Store) {
    setup(store).await;
    let id = store
        .create_measure(
            new_measure("P1", "降低厂用电率", "fujian", "2026-06-30"),
            "li.hq",
            at(2, 9),
        )
        .await
        .unwrap();
    // Repeats dropped, sorted; the revision moves on.
    let changed = store
        .set_co_owners(
            id,
            1,
            vec!["li.hq".into(), "fujian".into(), "li.hq".into()],
            "fujian",
            at(3, 9),
        )
        .await
        .unwrap();
    assert_eq!(
        (changed.co_owners.clone(), changed.revision),
        (vec!["fujian".to_owned(), "li.hq".to_owned()], 2)
    );
    assert_eq!(store.measure(id).await.unwrap().unwrap(), changed);
    assert_eq!(
        newest(store, 1).await,
        vec![line(
            "fujian",
            "measure.co_owners",
            "measure 1",
            Some("co_owners="),
            Some("co_owners=fujian, li.hq"),
        )]
    );
    // A stale revision, an unknown account: refused, nothing written.
    let stale = store
        .set_co_owners(id, 1, vec![], "fujian", at(3, 10))
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let unknown = store
        .set_co_owners(id, 2, vec!["nobody".into()], "fujian", at(3, 11))
        .await;
    assert!(
        matches!(&unknown, Err(StoreError::Invalid(m)) if m == "co_owners: no user named \"nobody\""),
        "{unknown:?}"
    );
    let disabled = store
        .set_co_owners(id, 2, vec!["gone".into()], "fujian", at(3, 11))
        .await;
    assert!(
        matches!(&disabled, Err(StoreError::Invalid(m)) if m == "co_owners: gone is disabled"),
        "{disabled:?}"
    );
    assert_eq!(store.measure(id).await.unwrap().unwrap(), changed);
    // Every co-owner removed.
    let none = store
        .set_co_owners(id, 2, vec![], "li.hq", at(3, 12))
        .await
        .unwrap();
    assert!(none.co_owners.is_empty());
    assert_eq!(newest(store, 1).await[0].4.as_deref(), Some("co_owners="));
}
