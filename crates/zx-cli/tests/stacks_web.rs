//! The stack register page end to end: HQ registers a stack through the form and its data logger
//! is received at once, changes it, imports a stack file; a subsidiary's account sees its stacks
//! but no form and is refused a POST; a bad MN is shown on the page and stores nothing. On
//! SQLite and, when `ZX_TEST_DATABASE_URL` is set, on PostgreSQL.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[macro_use]
mod common;
use common::web::{Env, hidden};

/// The demo's first stack (晋江垃圾焚烧发电厂 1号炉, see `zx_demo::demo_stacks`) and its password.
const DEMO_MN: &str = "88888880000001";
const DEMO_PASSWORD: &str = "123456";
/// The stack registered through the form, at the same plant.
const NEW_MN: &str = "33010099";
const NEW_PASSWORD: &str = "pw-new-1";
/// A plant of Fujian (the `fujian` account's subsidiary) and one of Sichuan.
const FUJIAN_PLANT: &str = "FJ-JJ-WTE";
const SICHUAN_PLANT: &str = "SC-NC-WTE";

impl Env {
    /// Signs in and switches the pages to English.
    async fn login_en(&self, name: &str, password: &str) -> reqwest::Client {
        let client = self.login(name, password).await;
        self.get(&client, "/lang?to=en&next=/environment/stacks")
            .await;
        client
    }

    /// Posts the stack form; returns the status, the `Location` (if a redirect) and the body.
    async fn post_form(
        &self,
        client: &reqwest::Client,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        let response = client
            .post(format!("{}/environment/stacks", self.base))
            .form(fields)
            .send()
            .await
            .unwrap();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        (response.status(), location, response.text().await.unwrap())
    }

    async fn upload(
        &self,
        client: &reqwest::Client,
        csrf: &str,
        name: &str,
        text: &str,
    ) -> (StatusCode, String) {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
                    .file_name(name.to_owned()),
            );
        let response = client
            .post(format!("{}/environment/stacks/import-file", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    async fn mns(&self) -> Vec<String> {
        let mut mns: Vec<String> = self
            .store
            .stacks()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.stack.mn)
            .collect();
        mns.sort();
        mns
    }
}

fn refs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Sends one CN 2051 minute frame of `mn` asking for an acknowledgement; returns what came back
/// within `wait` (empty when nothing did).
async fn send_minute(to: SocketAddr, mn: &str, password: &str, wait: Duration) -> String {
    let now = zx_app::china_time(chrono::Utc::now());
    let stamp = now.format("%Y%m%d%H%M");
    let data = format!(
        "QN={stamp}00001;ST=22;CN=2051;PW={password};MN={mn};Flag=5;CP=&&DataTime={stamp}00;a21002-Avg=120.0,a21002-Flag=N;a19001-Avg=11.0,a19001-Flag=N&&"
    );
    let frame = zx_hj212::frame::frame_to_string(&data);
    let mut stream = TcpStream::connect(to).await.unwrap();
    stream.write_all(frame.as_bytes()).await.unwrap();
    let mut received = String::new();
    let mut buffer = [0u8; 1024];
    while !received.contains("\r\n") {
        match tokio::time::timeout(wait, stream.read(&mut buffer)).await {
            Ok(Ok(n)) if n > 0 => received.push_str(&String::from_utf8_lossy(&buffer[..n])),
            _ => break,
        }
    }
    received
}

async fn hq_registers_a_stack_and_it_is_received_at_once(env: Env) {
    let before = env.mns().await;
    // Before registration the receiver refuses the new MN: no acknowledgement.
    let refused = send_minute(env.hj212, NEW_MN, NEW_PASSWORD, Duration::from_millis(500)).await;
    assert_eq!(refused, "", "an unregistered MN must not be acknowledged");

    let admin = env.login_en("admin", "zengxiao-admin").await;
    let (status, page) = env.get(&admin, "/environment/stacks").await;
    assert_eq!(status, StatusCode::OK);
    // The demo's stack is listed with its codes; the forms are there; no password anywhere.
    assert!(page.contains(&format!("id=\"stack-{DEMO_MN}\"")), "{page}");
    assert!(page.contains("id=\"stack-form\""));
    assert!(page.contains("id=\"stacks-upload\""));
    assert!(page.contains("<code>a19001</code>"));
    assert!(!page.contains(DEMO_PASSWORD), "a password is shown");
    let csrf = hidden(&page, "csrf");

    // Registered through the form: redirected to the list saying so.
    let (status, location, _) = env
        .post_form(
            &admin,
            &[
                ("csrf", csrf.as_str()),
                ("mn", NEW_MN),
                ("entity", FUJIAN_PLANT),
                ("name", "3号炉"),
                ("password", NEW_PASSWORD),
                ("standard", "gb18485-2014"),
                ("oxygen_code", ""),
                ("furnace_code", ""),
                ("aliases", "NOX=a21002"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/environment/stacks?saved={NEW_MN}&outcome=created")
    );
    let (_, page) = env.get(&admin, &location).await;
    assert!(
        page.contains(&format!(
            "<p class=\"flash\" id=\"stacks-result\">stack {NEW_MN}: registered</p>"
        )),
        "{page}"
    );
    assert!(page.contains(&format!("id=\"stack-{NEW_MN}\"")));
    assert!(!page.contains(NEW_PASSWORD), "a password is shown");
    // Stored as typed, blank codes as the defaults, by the signed-in user.
    let stored = env.store.stack(NEW_MN).await.unwrap().unwrap();
    assert_eq!(stored.stack.entity.as_str(), FUJIAN_PLANT);
    assert_eq!(stored.stack.name, "3号炉");
    assert_eq!(stored.stack.password, NEW_PASSWORD);
    assert_eq!(stored.stack.factors.oxygen, "a19001");
    assert_eq!(stored.stack.factors.furnace_temperature, "furnace_temp");
    assert_eq!(stored.stack.factors.aliases.len(), 1);
    assert!(stored.active);
    // The receiver accepts it now, not after the half-minute reload: an acknowledgement (CN 9014)
    // well within 10 s.
    let ack = send_minute(env.hj212, NEW_MN, NEW_PASSWORD, Duration::from_secs(10)).await;
    assert!(
        ack.contains("CN=9014") && ack.contains(&format!("MN={NEW_MN}")),
        "no acknowledgement: {ack:?}"
    );

    // Changed through `?edit=`: the form comes filled (no password); a blank password keeps it.
    let (_, page) = env
        .get(&admin, &format!("/environment/stacks?edit={NEW_MN}"))
        .await;
    assert!(page.contains(&format!("name=\"mn\" value=\"{NEW_MN}\"")));
    assert!(page.contains("name=\"name\" value=\"3号炉\""));
    assert!(page.contains("name=\"aliases\" value=\"NOX=a21002\""));
    assert!(page.contains("leave blank to keep the current password"));
    let (status, location, _) = env
        .post_form(
            &admin,
            &[
                ("csrf", csrf.as_str()),
                ("mn", NEW_MN),
                ("entity", FUJIAN_PLANT),
                ("name", "3号炉（新）"),
                ("password", ""),
                ("standard", "gb18485-2014"),
                ("oxygen_code", "a19001"),
                ("furnace_code", "furnace_temp"),
                ("aliases", "NOX=a21002"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.unwrap(),
        format!("/environment/stacks?saved={NEW_MN}&outcome=updated")
    );
    let stored = env.store.stack(NEW_MN).await.unwrap().unwrap();
    assert_eq!(stored.stack.name, "3号炉（新）");
    assert_eq!(stored.stack.password, NEW_PASSWORD);
    assert_eq!(stored.revision, 2);

    let mut expected = before.clone();
    expected.push(NEW_MN.to_owned());
    expected.sort();
    assert_eq!(env.mns().await, expected);
}

async fn a_bad_stack_is_shown_and_nothing_stored(env: Env) {
    let before = env.mns().await;
    let admin = env.login_en("admin", "zengxiao-admin").await;
    let (_, page) = env.get(&admin, "/environment/stacks").await;
    let csrf = hidden(&page, "csrf");
    let form = |mn: &'static str, entity: &'static str, password: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("mn", mn.to_owned()),
            ("entity", entity.to_owned()),
            ("name", "3号炉".to_owned()),
            ("password", password.to_owned()),
            ("standard", "gb18485-2014".to_owned()),
        ]
    };

    // An MN with a dot: shown on the page (422) with the domain's message, the form kept.
    let fields = form("33.01", FUJIAN_PLANT, NEW_PASSWORD);
    let (status, _, page) = env.post_form(&admin, &refs(&fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            "<p class=\"error\" id=\"stacks-error\">MN &#34;33.01&#34; must be 1 to 24 letters, digits, &#39;_&#39; or &#39;-&#39;</p>"
        ),
        "{page}"
    );
    assert!(page.contains("name=\"name\" value=\"3号炉\""));
    assert!(!page.contains(NEW_PASSWORD), "the password is sent back");

    // A password with a character HJ 212 cannot carry (`;`).
    let fields = form("33010098", FUJIAN_PLANT, "pw;1");
    let (status, _, page) = env.post_form(&admin, &refs(&fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(
            "id=\"stacks-error\">stack 33010098: the password must be 1 to 32 printable characters without &#39;;&#39;"
        ),
        "{page}"
    );

    // A subsidiary, not a plant: refused by the store with its reason.
    let fields = form("33010097", "FJ", NEW_PASSWORD);
    let (status, _, page) = env.post_form(&admin, &refs(&fields)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("stacks belong to a plant or a company"),
        "{page}"
    );

    // A stack file with a bad row: every problem listed, nothing imported (not even the good
    // row).
    let (status, page) = env
        .upload(
            &admin,
            &csrf,
            "stacks.csv",
            &format!(
                "mn,entity,name,password,standard\n33010096,{FUJIAN_PLANT},4号炉,pw,\n33.02,{FUJIAN_PLANT},5号炉,pw,\n"
            ),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("stacks.csv: the file has errors: nothing was imported"),
        "{page}"
    );
    assert!(
        page.contains("<li>stacks.csv:3: mn: &#34;33.02&#34; is not an MN"),
        "{page}"
    );
    // No CSRF token: refused before anything is looked at.
    let (status, _, _) = env
        .post_form(
            &admin,
            &[
                ("mn", "33010095"),
                ("entity", FUJIAN_PLANT),
                ("name", "x"),
                ("password", "pw"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(env.mns().await, before, "something was stored");

    // A clean file: one new stack, the demo stack unchanged.
    let (status, page) = env
        .upload(
            &admin,
            &csrf,
            "stacks.csv",
            &format!(
                "mn,entity,name,password,standard\n33010096,{FUJIAN_PLANT},4号炉,pw,\n{DEMO_MN},{FUJIAN_PLANT},1号炉,{DEMO_PASSWORD},gb18485-2014\n"
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("stacks.csv: 2 stacks: 1 created, 0 updated, 1 unchanged"),
        "{page}"
    );
    assert!(page.contains("id=\"stack-33010096\""));
}

async fn a_subsidiary_sees_its_stacks_but_cannot_register(env: Env) {
    let before = env.mns().await;
    let fujian = env.login_en("fujian", "zengxiao-fujian").await;
    let (status, page) = env.get(&fujian, "/environment/stacks").await;
    assert_eq!(status, StatusCode::OK);
    // Fujian's stacks, not Sichuan's; no form, no upload, no change links.
    let fujian_stacks = env
        .store
        .stacks()
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.stack.entity.as_str().starts_with("FJ-"))
        .count();
    assert!(fujian_stacks > 0);
    assert_eq!(
        page.matches("<tr id=\"stack-").count(),
        fujian_stacks,
        "{page}"
    );
    assert!(page.contains(&format!("id=\"stack-{DEMO_MN}\"")));
    assert!(!page.contains(SICHUAN_PLANT), "a Sichuan plant is shown");
    assert!(!page.contains("id=\"stack-form\""));
    assert!(!page.contains("id=\"stacks-upload\""));
    assert!(!page.contains("?edit="));
    // `?edit=` fills nothing for them either.
    let (_, page) = env
        .get(&fujian, &format!("/environment/stacks?edit={DEMO_MN}"))
        .await;
    assert!(!page.contains("id=\"stack-form\""));

    // A POST with their own valid session token is refused (403), and nothing is stored.
    let (_, cockpit) = env.get(&fujian, "/environment/alarms").await;
    let csrf = hidden(&cockpit, "csrf");
    let (status, _, page) = env
        .post_form(
            &fujian,
            &[
                ("csrf", csrf.as_str()),
                ("mn", NEW_MN),
                ("entity", FUJIAN_PLANT),
                ("name", "3号炉"),
                ("password", NEW_PASSWORD),
                ("standard", "gb18485-2014"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        page.contains("only group headquarters can register stacks"),
        "{page}"
    );
    let (status, _) = env
        .upload(
            &fujian,
            &csrf,
            "stacks.csv",
            &format!("mn,entity,name,password,standard\n{NEW_MN},{FUJIAN_PLANT},3号炉,pw,\n"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(env.mns().await, before, "something was stored");
}

on_both_backends!(
    async Env("the stack page test"):
    hq_registers_a_stack_and_it_is_received_at_once,
    a_bad_stack_is_shown_and_nothing_stored,
    a_subsidiary_sees_its_stacks_but_cannot_register,
);
