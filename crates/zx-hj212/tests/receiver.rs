//! The receiver end to end over loopback: real sockets, the simulator, an in-memory sink.

mod common;
use common::{read_reply, silent_for};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use chrono::NaiveDateTime;
use rust_decimal::Decimal;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use zx_hj212::frame::frame_to_string;
use zx_hj212::receiver::RejectSource;
use zx_hj212::simulator::{self, Fleet, SimulationProgress, SimulatorConfig};
use zx_hj212::{
    AcceptedFrame, FrameSink, ReceiverOptions, ReceiverStats, RejectReason, SinkError,
    StackDirectory, serve,
};

const MN: &str = "88888880000001";
const PASSWORD: &str = "123456";

struct Directory(HashMap<String, String>);

impl StackDirectory for Directory {
    fn password(&self, mn: &str) -> Option<String> {
        self.0.get(mn).cloned()
    }
}

fn directory(mns: impl IntoIterator<Item = String>) -> Arc<dyn StackDirectory> {
    Arc::new(Directory(
        mns.into_iter()
            .map(|mn| (mn, PASSWORD.to_owned()))
            .collect(),
    ))
}

/// Keeps every frame; when `gate` is set, each store waits for a notification first; when
/// `fail` is set, each store fails.
#[derive(Default)]
struct MemorySink {
    frames: Mutex<Vec<AcceptedFrame>>,
    gate: Option<Arc<Notify>>,
    fail: bool,
}

impl MemorySink {
    fn frames(&self) -> Vec<AcceptedFrame> {
        self.frames.lock().unwrap().clone()
    }
}

impl FrameSink for MemorySink {
    async fn store(&self, frame: AcceptedFrame) -> Result<(), SinkError> {
        if let Some(gate) = &self.gate {
            gate.notified().await;
        }
        if self.fail {
            return Err(SinkError::new("disk full"));
        }
        self.frames.lock().unwrap().push(frame);
        Ok(())
    }
}

struct Running {
    addr: SocketAddr,
    stats: Arc<ReceiverStats>,
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

async fn start(
    directory: Arc<dyn StackDirectory>,
    sink: Arc<MemorySink>,
    options: ReceiverOptions,
) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(ReceiverStats::new());
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(
        listener,
        directory,
        sink,
        Arc::clone(&stats),
        options,
        async move {
            let _ = stopped.await;
        },
    ));
    Running {
        addr,
        stats,
        stop: Some(stop),
        task,
    }
}

fn segment(qn: &str, mn: &str, password: &str, cp: &str) -> String {
    format!(
        "QN={qn};ST=22;CN=2051;PW={password};MN={mn};Flag=5;CP=&&DataTime=20260601081400;{cp}&&"
    )
}

fn good(qn: &str) -> String {
    segment(
        qn,
        MN,
        PASSWORD,
        "a21002-Avg=212.4,a21002-Flag=N;a19001-Avg=9.8,a19001-Flag=N",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_is_stored_and_every_frame_acknowledged() {
    let start = NaiveDateTime::parse_from_str("2026-06-01 08:00", "%Y-%m-%d %H:%M").unwrap();
    let fleet = Fleet::new(3, 5, 12, start, MN, PASSWORD).unwrap();
    let sink = Arc::new(MemorySink::default());
    let receiver = start_for(&fleet, Arc::clone(&sink)).await;
    let progress = Arc::new(SimulationProgress::default());
    let config = SimulatorConfig {
        to: receiver.addr,
        fleet: fleet.clone(),
        speedup: 0.0,
        connections: 3,
        ack_wait: Duration::from_secs(5),
    };
    let report = simulator::run(&config, Arc::clone(&progress))
        .await
        .unwrap();
    // 5 stacks × 12 minutes = 60 frames of 8 factors.
    assert_eq!(report.frames_sent, 60);
    assert_eq!(report.acks_received, 60);
    assert_eq!(report.unexpected_replies, 0);
    let stats = receiver.stats.snapshot();
    assert_eq!(stats.accepted_frames, 60);
    assert_eq!(stats.accepted_readings, 480);
    assert_eq!(stats.acks_sent, 60);
    assert!(stats.rejected.is_empty());

    // What was stored is what the fleet sent, value for value (the fleet is a pure function
    // of stack and minute, so it can be asked again).
    let frames = sink.frames();
    assert_eq!(frames.len(), 60);
    for frame in &frames {
        let stack = (0..5).find(|s| fleet.mn(*s) == frame.mn).unwrap();
        let minute = u32::try_from((frame.readings[0].minute - start).num_minutes()).unwrap();
        assert_eq!(frame.qn.as_deref(), Some(fleet.qn(stack, minute).as_str()));
        let expected: Vec<(String, Decimal, String)> = fleet
            .values(stack, minute)
            .into_iter()
            .map(|v| {
                (
                    v.code.to_owned(),
                    Decimal::from_str(&v.text).unwrap(),
                    v.flag.to_string(),
                )
            })
            .collect();
        let got: Vec<(String, Decimal, String)> = frame
            .readings
            .iter()
            .map(|r| (r.code.clone(), r.value, r.flag.to_string()))
            .collect();
        assert_eq!(got, expected);
    }
    receiver.stop().await;
}

async fn start_for(fleet: &Fleet, sink: Arc<MemorySink>) -> Running {
    let mns = (0..fleet.stacks()).map(|stack| fleet.mn(stack));
    start(directory(mns), sink, ReceiverOptions::default()).await
}

#[tokio::test]
async fn the_ack_is_sent_only_after_the_sink_stored_the_frame() {
    let gate = Arc::new(Notify::new());
    let sink = Arc::new(MemorySink {
        gate: Some(Arc::clone(&gate)),
        ..MemorySink::default()
    });
    let receiver = start(
        directory([MN.to_owned()]),
        Arc::clone(&sink),
        ReceiverOptions::default(),
    )
    .await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(frame_to_string(&good("20260601081500123")).as_bytes())
        .await
        .unwrap();
    // The sink has not returned: no acknowledgement, nothing stored.
    assert!(silent_for(&mut stream, Duration::from_millis(300)).await);
    assert!(sink.frames().is_empty());
    gate.notify_one();
    let mut buf = BytesMut::new();
    let ack = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(sink.frames().len(), 1);
    assert_eq!(ack.cn, "9014");
    assert_eq!(ack.qn.as_deref(), Some("20260601081500123"));
    assert_eq!(ack.mn, MN);
    assert_eq!(ack.st.as_deref(), Some("91"));
    assert_eq!(ack.flag, Some(4));
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn a_frame_the_sink_cannot_store_is_not_acknowledged() {
    let sink = Arc::new(MemorySink {
        fail: true,
        ..MemorySink::default()
    });
    let receiver = start(directory([MN.to_owned()]), sink, ReceiverOptions::default()).await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(frame_to_string(&good("20260601081500123")).as_bytes())
        .await
        .unwrap();
    assert!(silent_for(&mut stream, Duration::from_millis(300)).await);
    let stats = receiver.stats.snapshot();
    assert_eq!(stats.sink_failures, 1);
    assert_eq!(stats.accepted_frames, 0);
    assert_eq!(stats.acks_sent, 0);
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn every_kind_of_bad_frame_is_counted_and_none_is_stored() {
    let sink = Arc::new(MemorySink::default());
    let receiver = start(
        directory([MN.to_owned()]),
        Arc::clone(&sink),
        ReceiverOptions::default(),
    )
    .await;
    let unknown = "99999999999999";
    let good_frame = frame_to_string(&good("20260601081500999"));
    let mut bad_crc = good_frame.clone().into_bytes();
    let at = bad_crc.len() - 3;
    bad_crc[at] = if bad_crc[at] == b'0' { b'1' } else { b'0' };
    let mut stream_bytes = Vec::new();
    for part in [
        frame_to_string(&segment("1", MN, "654321", "a21002-Avg=1")).into_bytes(),
        frame_to_string(&segment("2", unknown, PASSWORD, "a21002-Avg=1")).into_bytes(),
        frame_to_string(&segment("3", MN, PASSWORD, "a21002-Avg=1,8x")).into_bytes(),
        bad_crc,
        b"##12x4QN=1\r\n".to_vec(),
        format!("{}XY", &good_frame[..good_frame.len() - 2]).into_bytes(),
        good_frame.clone().into_bytes(),
    ] {
        stream_bytes.extend_from_slice(&part);
    }
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream.write_all(&stream_bytes).await.unwrap();
    let mut buf = BytesMut::new();
    // Only the last, good frame is answered.
    let ack = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(ack.qn.as_deref(), Some("20260601081500999"));
    assert!(silent_for(&mut stream, Duration::from_millis(200)).await);

    let stored = sink.frames();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].qn.as_deref(), Some("20260601081500999"));
    let stats = receiver.stats.snapshot();
    let registered = stats.for_mn(MN).unwrap();
    assert_eq!(registered.count(RejectReason::WrongPassword), 1);
    assert_eq!(registered.count(RejectReason::Malformed), 1);
    assert_eq!(registered.total(), 2);
    let stranger = stats.for_mn(unknown).unwrap();
    assert_eq!(stranger.count(RejectReason::UnknownMn), 1);
    let peer = stats
        .rejected
        .iter()
        .find(|s| matches!(s.source, RejectSource::Peer(_)))
        .unwrap();
    assert_eq!(peer.count(RejectReason::BadCrc), 1);
    assert_eq!(peer.count(RejectReason::BadLength), 1);
    assert_eq!(peer.count(RejectReason::MissingTerminator), 1);
    assert_eq!(peer.last_peer.ip(), receiver.addr.ip());
    assert_eq!(stats.accepted_frames, 1);
    assert_eq!(stats.accepted_readings, 2);
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn a_frame_sent_byte_by_byte_is_stored_and_acknowledged() {
    let sink = Arc::new(MemorySink::default());
    let receiver = start(
        directory([MN.to_owned()]),
        Arc::clone(&sink),
        ReceiverOptions::default(),
    )
    .await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    for byte in frame_to_string(&good("20260601081500123")).bytes() {
        stream.write_all(&[byte]).await.unwrap();
        tokio::task::yield_now().await;
    }
    let mut buf = BytesMut::new();
    let ack = read_reply(&mut stream, &mut buf).await.unwrap();
    assert_eq!(ack.cn, "9014");
    assert_eq!(ack.qn.as_deref(), Some("20260601081500123"));
    let stored = sink.frames();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].readings[0].value,
        Decimal::from_str("212.4").unwrap()
    );
    drop(stream);
    receiver.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed() {
    let options = ReceiverOptions {
        idle_timeout: Duration::from_millis(200),
        ..ReceiverOptions::default()
    };
    let receiver = start(directory([MN.to_owned()]), Arc::default(), options).await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(frame_to_string(&good("20260601081500123")).as_bytes())
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    assert!(read_reply(&mut stream, &mut buf).await.is_some());
    // The receiver closes the connection: the read ends without a frame.
    assert_eq!(read_reply(&mut stream, &mut buf).await, None);
    assert_eq!(receiver.stats.snapshot().idle_closed, 1);
    receiver.stop().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed() {
    let options = ReceiverOptions {
        max_connections: 2,
        ..ReceiverOptions::default()
    };
    let sink = Arc::new(MemorySink::default());
    let receiver = start(directory([MN.to_owned()]), Arc::clone(&sink), options).await;
    let mut first = TcpStream::connect(receiver.addr).await.unwrap();
    let _second = TcpStream::connect(receiver.addr).await.unwrap();
    // Make sure both were accepted before the third arrives.
    first
        .write_all(frame_to_string(&good("20260601081500001")).as_bytes())
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    assert!(read_reply(&mut first, &mut buf).await.is_some());
    let mut third = TcpStream::connect(receiver.addr).await.unwrap();
    let mut buf = BytesMut::new();
    assert_eq!(read_reply(&mut third, &mut buf).await, None);
    assert_eq!(receiver.stats.snapshot().connections_refused, 1);
    drop((first, third));
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_loggers_at_once_are_all_served() {
    // 1000 stacks, one connection each, 2 minutes pipelined: 2000 frames, all acknowledged.
    let first = NaiveDateTime::parse_from_str("2026-06-01 08:00", "%Y-%m-%d %H:%M").unwrap();
    let fleet = Fleet::new(5, 1000, 2, first, "88888880010000", PASSWORD).unwrap();
    let sink = Arc::new(MemorySink::default());
    let mns = (0..fleet.stacks()).map(|stack| fleet.mn(stack));
    // All from this one host: the per-peer cap is raised for them.
    let options = ReceiverOptions {
        max_per_peer: 1000,
        ..ReceiverOptions::default()
    };
    let receiver = start(directory(mns), Arc::clone(&sink), options).await;
    let config = SimulatorConfig {
        to: receiver.addr,
        fleet,
        speedup: 0.0,
        connections: 1000,
        ack_wait: Duration::from_secs(10),
    };
    let report = simulator::run(&config, Arc::default()).await.unwrap();
    assert_eq!(report.frames_sent, 2000);
    assert_eq!(report.acks_received, 2000);
    assert_eq!(sink.frames().len(), 2000);
    assert_eq!(receiver.stats.snapshot().connections_total, 1000);
    receiver.stop().await;
}

#[tokio::test]
async fn arrival_times_come_from_the_clock_passed_in() {
    let fixed = chrono::DateTime::parse_from_rfc3339("2026-06-01T00:15:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let sink = Arc::new(MemorySink::default());
    let options = ReceiverOptions {
        now: Arc::new(move || fixed),
        ..ReceiverOptions::default()
    };
    let receiver = start(directory([MN.to_owned()]), Arc::clone(&sink), options).await;
    let mut stream = TcpStream::connect(receiver.addr).await.unwrap();
    stream
        .write_all(frame_to_string(&good("20260601081500777")).as_bytes())
        .await
        .unwrap();
    let mut buf = BytesMut::new();
    assert!(read_reply(&mut stream, &mut buf).await.is_some());
    let frames = sink.frames();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].received_at, fixed);
    drop(stream);
    receiver.stop().await;
}
