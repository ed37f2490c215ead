//! `zx simulate hj212` against an in-process HJ 212 receiver on loopback.

use std::collections::HashMap;
use std::process::Command;
use std::sync::{Arc, Mutex};

use zx_hj212::{
    AcceptedFrame, FrameSink, ReceiverOptions, ReceiverStats, SinkError, StackDirectory, serve,
};

struct Directory(HashMap<String, String>);

impl StackDirectory for Directory {
    fn password(&self, mn: &str) -> Option<String> {
        self.0.get(mn).cloned()
    }
}

#[derive(Default)]
struct MemorySink(Mutex<Vec<AcceptedFrame>>);

impl FrameSink for MemorySink {
    async fn store(&self, frame: AcceptedFrame) -> Result<(), SinkError> {
        self.0.lock().unwrap().push(frame);
        Ok(())
    }
}

fn zx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zx"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_stacks_are_received_stored_and_acknowledged() {
    // Stacks 88888880000101..103 are registered; the simulator sends 3 × 4 = 12 frames.
    let directory = Arc::new(Directory(
        (101..=103)
            .map(|n| (format!("88888880000{n}"), "secret1".to_owned()))
            .collect(),
    ));
    let sink = Arc::new(MemorySink::default());
    let stats = Arc::new(ReceiverStats::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let receiver = tokio::spawn(serve(
        listener,
        directory,
        Arc::clone(&sink),
        Arc::clone(&stats),
        ReceiverOptions::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let output = tokio::task::spawn_blocking(move || {
        zx().args([
            "simulate",
            "hj212",
            "--to",
            &addr.to_string(),
            "--stacks",
            "3",
            "--minutes",
            "4",
            "--speedup",
            "0",
            "--start",
            "2026-06-01T08:00",
            "--mn-base",
            "88888880000101",
            "--password",
            "secret1",
            "--format",
            "json",
        ])
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["frames_sent"], 12);
    assert_eq!(summary["acks_received"], 12);
    assert_eq!(summary["unexpected_replies"], 0);
    assert_eq!(summary["start"], "2026-06-01T08:00");

    let frames = sink.0.lock().unwrap().clone();
    assert_eq!(frames.len(), 12);
    // Every frame carries the 8 factors; minutes run 08:00..08:03 for each of the 3 MNs.
    assert!(frames.iter().all(|frame| frame.readings.len() == 8));
    let mut keys: Vec<(String, String)> = frames
        .iter()
        .map(|f| {
            (
                f.mn.clone(),
                f.readings[0].minute.format("%H:%M").to_string(),
            )
        })
        .collect();
    keys.sort();
    let expected: Vec<(String, String)> = (101..=103)
        .flat_map(|n| (0..4).map(move |m| (format!("88888880000{n}"), format!("08:0{m}"))))
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(stats.snapshot().accepted_readings, 96);
    let _ = stop.send(());
    receiver.await.unwrap();
}

#[test]
fn a_bad_mn_base_is_refused_with_its_value() {
    let output = zx()
        .args([
            "simulate",
            "hj212",
            "--to",
            "127.0.0.1:9",
            "--mn-base",
            "88A",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"88A\""), "{stderr}");
}
