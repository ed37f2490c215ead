//! What data loggers in the field send, over real sockets: each quirk of the frames public
//! HJ 212 projects publish (a key repeated with two values, bad values, MNs with `_`, split
//! packets, frames without QN or Flag, lowercase CRCs), minutes dated in the future, and one
//! peer opening many idle connections. Every frame here is written by hand and framed with a
//! CRC computed in this file from the spec's text (cems.md "HJ 212-2017 frames"), not by the
//! crate under test.

mod common;
use common::{read_reply, silent_for};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDateTime, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use zx_domain::cems::quality::QualityKind;
use zx_hj212::packet::ValueIssue;
use zx_hj212::{
    AcceptedFrame, FrameSink, ReceiverOptions, ReceiverStats, RejectReason, SinkError,
    StackDirectory, serve,
};

const MN: &str = "88888880000001";
const AIR_MN: &str = "JLYP01_AIR01_0001";
const PASSWORD: &str = "123456";

/// The spec's CRC16: register 0xFFFF; per byte `reg = (reg >> 8) ^ byte`, then 8 right shifts,
/// XOR 0xA001 when the bit shifted out was 1.
fn spec_crc(data: &[u8]) -> u16 {
    let mut reg: u16 = 0xFFFF;
    for &byte in data {
        reg = (reg >> 8) ^ u16::from(byte);
        for _ in 0..8 {
            let out = reg & 1;
            reg >>= 1;
            if out == 1 {
                reg ^= 0xA001;
            }
        }
    }
    reg
}

/// `##` + length + data + CRC (uppercase) + CR LF.
fn framed(data: &str) -> String {
    format!(
        "##{:04}{data}{:04X}\r\n",
        data.len(),
        spec_crc(data.as_bytes())
    )
}

/// The same with the CRC in lowercase hex, as some loggers send it.
fn framed_lowercase(data: &str) -> String {
    format!(
        "##{:04}{data}{:04x}\r\n",
        data.len(),
        spec_crc(data.as_bytes())
    )
}

#[test]
fn the_spec_crc_agrees_with_a_published_frame() {
    // A public Go parser's test frame (CN 2051, MN JLYP01_AIR01_0001) ends in D641.
    let data = "QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&";
    assert_eq!(spec_crc(data.as_bytes()), 0xD641);
}

struct Directory(HashMap<String, String>);

impl StackDirectory for Directory {
    fn password(&self, mn: &str) -> Option<String> {
        self.0.get(mn).cloned()
    }
}

#[derive(Default)]
struct MemorySink {
    frames: Mutex<Vec<AcceptedFrame>>,
}

impl MemorySink {
    fn frames(&self) -> Vec<AcceptedFrame> {
        self.frames.lock().unwrap().clone()
    }
}

impl FrameSink for MemorySink {
    async fn store(&self, frame: AcceptedFrame) -> Result<(), SinkError> {
        self.frames.lock().unwrap().push(frame);
        Ok(())
    }
}

struct Running {
    addr: SocketAddr,
    stats: Arc<ReceiverStats>,
    sink: Arc<MemorySink>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the receiver stops")
            .unwrap();
    }
}

/// 2026-06-01 08:15:00 China time.
fn fixed_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T00:15:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn options() -> ReceiverOptions {
    ReceiverOptions {
        now: Arc::new(fixed_now),
        ..ReceiverOptions::default()
    }
}

async fn start(options: ReceiverOptions) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(ReceiverStats::new());
    let sink = Arc::new(MemorySink::default());
    let directory = Arc::new(Directory(
        [MN, AIR_MN]
            .into_iter()
            .map(|mn| (mn.to_owned(), PASSWORD.to_owned()))
            .collect(),
    ));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        directory,
        Arc::clone(&sink),
        Arc::clone(&stats),
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        addr,
        stats,
        sink,
        stop: Some(stop),
        task,
    }
}

fn readings(frame: &AcceptedFrame) -> Vec<(String, String)> {
    frame
        .readings
        .iter()
        .map(|r| (r.code.clone(), r.value.to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn issue(key: &str, kind: QualityKind, values: &[&str]) -> ValueIssue {
    ValueIssue {
        key: key.to_owned(),
        kind,
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

#[tokio::test]
async fn a_key_repeated_with_two_values_stores_the_rest_and_is_acknowledged() {
    let receiver = start(options()).await;
    // A water plant: flow and cumulative volume both sent as w00000-Avg; w01018 sent twice
    // with the same value is one reading.
    let data = format!(
        "QN=20260601081400001;ST=32;CN=2051;PW={PASSWORD};MN={MN};Flag=5;CP=&&DataTime=20260601081400;w00000-Avg=66.09,w00000-Flag=N;w01018-Avg=41.2,w01018-Flag=N;w21003-Avg=0.512,w21003-Flag=N;w01001-Avg=7.21,w01001-Flag=N;w00000-Avg=19796346.00,w00000-Flag=N;w01018-Avg=41.2&&"
    );
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream.write_all(framed(&data).as_bytes()).await.unwrap();
    let mut buf = BytesMut::new();
    let ack = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(ack.cn, "9014");
    assert_eq!(ack.qn.as_deref(), Some("20260601081400001"));
    let frames = receiver.sink.frames();
    assert_eq!(frames.len(), 1);
    assert_eq!(
        readings(&frames[0]),
        pairs(&[("w01018", "41.2"), ("w21003", "0.512"), ("w01001", "7.21")])
    );
    assert_eq!(
        frames[0].issues,
        vec![issue(
            "w00000-Avg",
            QualityKind::ConflictingValues,
            &["66.09", "19796346.00"]
        )]
    );
    // The frame as sent goes to the sink for its raw log, the conflict included.
    assert_eq!(frames[0].data, data);
    let stats = receiver.stats.snapshot();
    assert_eq!(stats.accepted_readings, 3);
    assert_eq!(stats.value_issues, 1);
    assert!(stats.rejected.is_empty());
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn a_bad_value_does_not_drop_the_minute() {
    let receiver = start(options()).await;
    let data = format!(
        "QN=20260601081400002;ST=31;CN=2051;PW={PASSWORD};MN={MN};Flag=5;CP=&&DataTime=20260601081400;a21002-Avg=+12.5,a21002-Flag=N;a21026-Avg=,a21026-Flag=N;a34013-Avg=n/a,a34013-Flag=N;a19001-Avg=9.8,a19001-Flag=N;a01012-Avg=128.1234567,a01012-Flag=N&&"
    );
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream.write_all(framed(&data).as_bytes()).await.unwrap();
    let mut buf = BytesMut::new();
    assert!(read_reply(&mut stream, &mut buf).await.is_some());
    let frames = receiver.sink.frames();
    // The receiver keeps 7 decimals exactly; whether the store can hold them is the sink's
    // business (the server records it as `unstorable_value`).
    assert_eq!(
        readings(&frames[0]),
        pairs(&[("a19001", "9.8"), ("a01012", "128.1234567")])
    );
    assert_eq!(
        frames[0].issues,
        vec![
            issue("a21002-Avg", QualityKind::BadValue, &["+12.5"]),
            issue("a21026-Avg", QualityKind::BadValue, &[""]),
            issue("a34013-Avg", QualityKind::BadValue, &["n/a"]),
        ]
    );
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn old_frames_without_qn_or_flag_mn_with_underscores_and_lowercase_crcs_are_stored() {
    let receiver = start(options()).await;
    // HJ/T 212-2005: no QN, no Flag (so no acknowledgement is asked), codes B01/011/060.
    let old = format!(
        "ST=32;CN=2051;PW={PASSWORD};MN={MN};CP=&&DataTime=20260601080000;B01-Avg=12.30;011-Avg=45.6;060-Avg=1.25&&"
    );
    // An air station's MN, framed with a lowercase CRC.
    let air = format!(
        "QN=20260601081000003;ST=22;CN=2051;PW={PASSWORD};MN={AIR_MN};Flag=5;CP=&&DataTime=20260601081000;a21004-Avg=4,a21004-Flag=N;a34004-Avg=14,a34004-Flag=N&&"
    );
    let lower = framed_lowercase(&air);
    assert_ne!(
        lower,
        framed(&air),
        "the CRC has a letter, so its case shows"
    );
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(format!("{}{lower}", framed(&old)).as_bytes())
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    // One acknowledgement: the 2005 frame asked for none.
    let ack = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(ack.mn, AIR_MN);
    assert!(silent_for(&mut stream, Duration::from_millis(200)).await);
    let frames = receiver.sink.frames();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].qn, None);
    assert_eq!(
        readings(&frames[0]),
        pairs(&[("B01", "12.30"), ("011", "45.6"), ("060", "1.25")])
    );
    assert_eq!(frames[1].mn, AIR_MN);
    assert_eq!(
        readings(&frames[1]),
        pairs(&[("a21004", "4"), ("a34004", "14")])
    );
    drop(stream);
    receiver.stop().await;
}

fn part(qn: Option<&str>, pno: u32, pnum: u32, cp: &str) -> String {
    let qn = qn.map(|qn| format!("QN={qn};")).unwrap_or_default();
    // Flag 7: version 2017, D (PNUM/PNO follow), A (acknowledge).
    format!(
        "{qn}ST=31;CN=2051;PW={PASSWORD};MN={MN};Flag=7;PNUM={pnum};PNO={pno};CP=&&DataTime=20260601081400;{cp}&&"
    )
}

#[tokio::test]
async fn split_packets_are_stored_as_one_minute_once_all_have_arrived() {
    let receiver = start(options()).await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    let qn = Some("20260601081400004");
    // The packets arrive out of order; the first is resent.
    stream
        .write_all(framed(&part(qn, 2, 3, "a21026-Avg=35.2,a21026-Flag=N")).as_bytes())
        .await
        .unwrap();
    stream
        .write_all(framed(&part(qn, 1, 3, "a21002-Avg=212.4,a21002-Flag=N")).as_bytes())
        .await
        .unwrap();
    stream
        .write_all(framed(&part(qn, 1, 3, "a21002-Avg=212.4,a21002-Flag=N")).as_bytes())
        .await
        .unwrap();
    // Nothing is stored or acknowledged before the set is whole.
    assert!(silent_for(&mut stream, Duration::from_millis(300)).await);
    assert!(receiver.sink.frames().is_empty());
    // The last packet leaves DataTime to the first.
    let last =
        part(qn, 3, 3, "a19001-Avg=9.8,a19001-Flag=N").replace("DataTime=20260601081400;", "");
    stream.write_all(framed(&last).as_bytes()).await.unwrap();
    let mut buf = BytesMut::new();
    // One acknowledgement per packet held (PNO 1, 2, 3).
    for _ in 0..3 {
        let ack = read_reply(&mut stream, &mut buf).await.unwrap();
        assert_eq!(ack.qn.as_deref(), qn);
    }
    let frames = receiver.sink.frames();
    assert_eq!(frames.len(), 1);
    assert_eq!(
        readings(&frames[0]),
        pairs(&[("a21002", "212.4"), ("a21026", "35.2"), ("a19001", "9.8")])
    );
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn split_packets_without_qn_are_matched_by_data_time_and_an_incomplete_set_expires() {
    let receiver = start(ReceiverOptions {
        split_timeout: Duration::from_millis(300),
        ..options()
    })
    .await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(
            format!(
                "{}{}",
                framed(&part(None, 1, 2, "a21002-Avg=1.5,a21002-Flag=N")),
                framed(&part(None, 2, 2, "a21026-Avg=2.5,a21026-Flag=N"))
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    assert!(read_reply(&mut stream, &mut buf).await.is_some());
    assert!(read_reply(&mut stream, &mut buf).await.is_some());
    assert_eq!(
        readings(&receiver.sink.frames()[0]),
        pairs(&[("a21002", "1.5"), ("a21026", "2.5")])
    );
    // Packet 1 of 2 of another minute, and never packet 2.
    let lonely = part(None, 1, 2, "a21002-Avg=3.5,a21002-Flag=N").replace("081400", "081500");
    stream.write_all(framed(&lonely).as_bytes()).await.unwrap();
    assert!(silent_for(&mut stream, Duration::from_millis(700)).await);
    assert_eq!(receiver.sink.frames().len(), 1);
    let stats = receiver.stats.snapshot();
    assert_eq!(
        stats
            .for_mn(MN)
            .unwrap()
            .count(RejectReason::IncompleteSplit),
        1
    );
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn minutes_dated_in_the_future_are_refused_and_counted() {
    // Now is 08:15:00 China time; 5 minutes ahead are allowed (clocks drift).
    let receiver = start(options()).await;
    let frame = |qn: &str, time: &str| {
        framed(&format!(
            "QN={qn};ST=31;CN=2051;PW={PASSWORD};MN={MN};Flag=5;CP=&&DataTime={time};a21002-Avg=1,a21002-Flag=N&&"
        ))
    };
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(
            format!(
                "{}{}{}{}",
                frame("1", "20260601082100"),
                frame("2", "20990101000000"),
                frame("3", "20260601082000"),
                // History from years back (补传) is accepted whatever its age.
                frame("4", "20190101000000"),
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    let first = read_reply(&mut stream, &mut buf).await.unwrap();
    let second = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(first.qn.as_deref(), Some("3"));
    assert_eq!(second.qn.as_deref(), Some("4"));
    assert!(silent_for(&mut stream, Duration::from_millis(200)).await);
    let stored: Vec<NaiveDateTime> = receiver
        .sink
        .frames()
        .iter()
        .map(|f| f.readings[0].minute)
        .collect();
    assert_eq!(
        stored,
        vec![
            NaiveDateTime::from_str("2026-06-01T08:20:00").unwrap(),
            NaiveDateTime::from_str("2019-01-01T00:00:00").unwrap(),
        ]
    );
    let stats = receiver.stats.snapshot();
    let mine = stats.for_mn(MN).unwrap();
    assert_eq!(mine.count(RejectReason::FutureTime), 2);
    assert!(
        mine.last_detail.contains("2099-01-01 00:00:00"),
        "{}",
        mine.last_detail
    );
    assert_eq!(stats.accepted_readings, 2);
    drop(stream);
    receiver.stop().await;
}

async fn connect_from(local: &str, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_from_one_peer_do_not_lock_out_the_others() {
    let receiver = start(ReceiverOptions {
        max_per_peer: 4,
        first_frame_timeout: Duration::from_millis(800),
        ..options()
    })
    .await;
    let good = |qn: &str| {
        framed(&format!(
            "QN={qn};ST=31;CN=2051;PW={PASSWORD};MN={MN};Flag=5;CP=&&DataTime=20260601081400;a21002-Avg=1,a21002-Flag=N&&"
        ))
    };
    // 50 connections from 127.0.0.1 that send nothing.
    let mut idle = Vec::new();
    for _ in 0..50 {
        idle.push(connect_from("127.0.0.1", receiver.addr).await);
    }
    // A logger at another address (127.0.0.2 is loopback too) is served at once.
    let mut other = connect_from("127.0.0.2", receiver.addr).await;
    other.write_all(good("1").as_bytes()).await.unwrap();
    let mut buf = BytesMut::new();
    assert_eq!(
        read_reply(&mut other, &mut buf)
            .await
            .unwrap()
            .qn
            .as_deref(),
        Some("1")
    );
    // The 46 over the cap were closed on accept; the 4 others after the short timeout.
    let mut closed = 0;
    for stream in &mut idle {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("every idle connection is closed within 5 s");
        if matches!(read, Ok(0) | Err(_)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 50);
    let stats = receiver.stats.snapshot();
    assert_eq!(stats.peer_refused, 46);
    assert_eq!(stats.first_frame_closed, 4);
    // A logger on the same host as the idle ones is served now.
    let mut same_host = connect_from("127.0.0.1", receiver.addr).await;
    same_host.write_all(good("2").as_bytes()).await.unwrap();
    let mut buf = BytesMut::new();
    assert_eq!(
        read_reply(&mut same_host, &mut buf)
            .await
            .unwrap()
            .qn
            .as_deref(),
        Some("2")
    );
    // A valid frame gives the connection the normal idle timeout: it stays open past the
    // short one.
    assert!(silent_for(&mut same_host, Duration::from_millis(1200)).await);
    drop((other, same_host));
    receiver.stop().await;
}
