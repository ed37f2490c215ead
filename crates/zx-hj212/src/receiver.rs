//! The TCP receiver data loggers connect to: it frames, checks (CRC, length, MN, password),
//! hands accepted frames to a sink, and acknowledges a frame only after the sink said it is
//! durably stored.
//!
//! One task per connection and no task per frame: a connection decodes every frame of a read,
//! stores them one after the other, and writes all their acknowledgements in one write. A
//! connection holds at most one maximal frame plus one read (about 26 kB), so thousands of
//! loggers fit in little memory.

mod splits;
use splits::Splits;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use zx_domain::cems::MinuteReading;

use crate::frame::{FrameDecoder, FrameError, RawFrame, encode_frame};
use crate::packet::{CN_MINUTE, Packet, ValueIssue, data_ack_segment};

/// Who may send: the password registered for a data logger's MN.
///
/// Called for every frame, so implementations answer from memory (the server keeps its stacks
/// in a map it refreshes when one is registered or changed).
pub trait StackDirectory: Send + Sync + 'static {
    /// The registered password of `mn`, `None` when no stack has that MN.
    fn password(&self, mn: &str) -> Option<String>;
}

/// A frame that passed every check, as the sink receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedFrame {
    pub mn: String,
    pub cn: String,
    pub qn: Option<String>,
    pub peer: SocketAddr,
    pub received_at: DateTime<Utc>,
    /// The minute records of a CN 2051 frame; empty for other commands.
    pub readings: Vec<MinuteReading>,
    /// The data segment as sent, for any CN (hourly and daily data are kept as text); for a
    /// split message, its packets' data segments in PNO order, separated by tabs.
    pub data: String,
    /// `DataTime` of a data upload (China time).
    pub data_time: Option<NaiveDateTime>,
    /// Values of the frame left out of `readings` (conflicting, unreadable, unknown flag), for
    /// the sink to record as data-quality events.
    pub issues: Vec<ValueIssue>,
}

/// The sink could not store a frame; the frame is not acknowledged, so the logger sends it again.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("storing the frame failed: {message}")]
pub struct SinkError {
    pub message: String,
}

impl SinkError {
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

/// Where accepted frames go.
pub trait FrameSink: Send + Sync + 'static {
    /// Stores `frame`; returns only once its readings are durable (written ahead or committed),
    /// because the logger deletes what was acknowledged.
    fn store(&self, frame: AcceptedFrame) -> impl Future<Output = Result<(), SinkError>> + Send;

    /// Stores the frames that arrived in one read of a connection, all or none: durable when
    /// `Ok`. A logger pipelining its backlog sends dozens per read; one write and one sync for
    /// them all, instead of one each, is what lets a receiver keep up with thousands of
    /// loggers. The default stores them one by one.
    fn store_batch(
        &self,
        frames: Vec<AcceptedFrame>,
    ) -> impl Future<Output = Result<(), SinkError>> + Send {
        async move {
            for frame in frames {
                self.store(frame).await?;
            }
            Ok(())
        }
    }
}

/// Where the receiver reads "now" (frames' arrival times, rejections): the caller's clock.
pub type Now = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Tuning of [`serve`].
#[derive(Clone)]
pub struct ReceiverOptions {
    /// A connection that sends nothing for this long is closed (loggers reconnect).
    pub idle_timeout: Duration,
    /// A connection that has not sent one valid frame (CRC, MN and password right) within this
    /// long is closed: an idle or junk connection holds its slot seconds, not `idle_timeout`.
    pub first_frame_timeout: Duration,
    /// Connections beyond this many are closed on accept.
    pub max_connections: usize,
    /// Connections from one IP address beyond this many are closed on accept, so one peer
    /// cannot take every slot (a data logger uses one or two).
    pub max_per_peer: usize,
    /// A data upload whose `DataTime` is more than this after now (China time, by `now`) is
    /// refused (`future_time`) and not acknowledged.
    pub max_future: Duration,
    /// The packets of a split message (PNUM > 1) are held until all have arrived; a set still
    /// incomplete after this long is dropped unacknowledged (`incomplete_split`).
    pub split_timeout: Duration,
    /// At most this many MNs (or peers) are counted separately in [`ReceiverStats`]; past it,
    /// rejections of new ones go to one overflow count, so junk MNs cannot exhaust memory.
    pub max_stats_sources: usize,
    /// The clock (the server passes its own; the default is the system clock).
    pub now: Now,
}

impl std::fmt::Debug for ReceiverOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiverOptions")
            .field("idle_timeout", &self.idle_timeout)
            .field("first_frame_timeout", &self.first_frame_timeout)
            .field("max_connections", &self.max_connections)
            .field("max_per_peer", &self.max_per_peer)
            .field("max_future", &self.max_future)
            .field("split_timeout", &self.split_timeout)
            .field("max_stats_sources", &self.max_stats_sources)
            .finish_non_exhaustive()
    }
}

impl Default for ReceiverOptions {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(600),
            first_frame_timeout: Duration::from_secs(20),
            max_connections: 10_000,
            max_per_peer: 8,
            max_future: Duration::from_secs(300),
            split_timeout: Duration::from_secs(60),
            max_stats_sources: 100_000,
            now: Arc::new(Utc::now),
        }
    }
}

/// Why a frame was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    BadLength,
    BadCrc,
    MissingTerminator,
    Malformed,
    UnknownMn,
    WrongPassword,
    /// `DataTime` more than `max_future` after now.
    FutureTime,
    /// A split message whose packets did not all arrive in time (or overflowed the buffer).
    IncompleteSplit,
}

/// How many [`RejectReason`]s there are.
pub const REASONS: usize = 8;

impl RejectReason {
    pub const ALL: [RejectReason; REASONS] = [
        RejectReason::BadLength,
        RejectReason::BadCrc,
        RejectReason::MissingTerminator,
        RejectReason::Malformed,
        RejectReason::UnknownMn,
        RejectReason::WrongPassword,
        RejectReason::FutureTime,
        RejectReason::IncompleteSplit,
    ];

    /// Stable snake_case name, for logs, JSON and the UI's message catalogue.
    pub fn code(self) -> &'static str {
        match self {
            RejectReason::BadLength => "bad_length",
            RejectReason::BadCrc => "bad_crc",
            RejectReason::MissingTerminator => "missing_terminator",
            RejectReason::Malformed => "malformed",
            RejectReason::UnknownMn => "unknown_mn",
            RejectReason::WrongPassword => "wrong_password",
            RejectReason::FutureTime => "future_time",
            RejectReason::IncompleteSplit => "incomplete_split",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RejectReason::BadLength => "长度错误",
            RejectReason::BadCrc => "CRC校验错误",
            RejectReason::MissingTerminator => "缺少包尾",
            RejectReason::Malformed => "格式错误",
            RejectReason::UnknownMn => "未登记的MN",
            RejectReason::WrongPassword => "密码错误",
            RejectReason::FutureTime => "数据时间超前",
            RejectReason::IncompleteSplit => "分包不全",
        }
    }

    /// The English name for people (pages); [`RejectReason::code`] is for logs and JSON.
    pub fn name_en(self) -> &'static str {
        match self {
            RejectReason::BadLength => "wrong length",
            RejectReason::BadCrc => "CRC mismatch",
            RejectReason::MissingTerminator => "no terminator",
            RejectReason::Malformed => "malformed",
            RejectReason::UnknownMn => "unregistered MN",
            RejectReason::WrongPassword => "wrong password",
            RejectReason::FutureTime => "dated in the future",
            RejectReason::IncompleteSplit => "split message incomplete",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Whom a rejection is counted against: the stack when its MN could be read, else the peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectSource {
    Mn(String),
    Peer(IpAddr),
}

/// Rejections of one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStats {
    pub source: RejectSource,
    /// Count per reason, in the order of [`RejectReason::ALL`].
    pub counts: [u64; REASONS],
    pub last_reason: RejectReason,
    pub last_peer: SocketAddr,
    pub last_at: DateTime<Utc>,
    /// The last rejection's detail (the parser's message), for whoever fixes the logger.
    pub last_detail: String,
}

impl SourceStats {
    pub fn count(&self, reason: RejectReason) -> u64 {
        self.counts[reason.index()]
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Counters of a running receiver, shared with the web UI.
#[derive(Debug, Default)]
pub struct ReceiverStats {
    accepted_frames: AtomicU64,
    accepted_readings: AtomicU64,
    acks_sent: AtomicU64,
    sink_failures: AtomicU64,
    connections_open: AtomicU64,
    connections_total: AtomicU64,
    connections_refused: AtomicU64,
    peer_refused: AtomicU64,
    idle_closed: AtomicU64,
    first_frame_closed: AtomicU64,
    skipped_bytes: AtomicU64,
    value_issues: AtomicU64,
    rejected: Mutex<Rejections>,
}

#[derive(Debug, Default)]
struct Rejections {
    by_source: HashMap<RejectSource, SourceStats>,
    overflow: u64,
}

/// A consistent copy of [`ReceiverStats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub accepted_frames: u64,
    pub accepted_readings: u64,
    pub acks_sent: u64,
    pub sink_failures: u64,
    pub connections_open: u64,
    pub connections_total: u64,
    pub connections_refused: u64,
    /// Connections closed on accept because their peer already had `max_per_peer` open.
    pub peer_refused: u64,
    pub idle_closed: u64,
    /// Connections closed because no valid frame came within `first_frame_timeout`.
    pub first_frame_closed: u64,
    /// Values left out of stored frames (conflicting, unreadable, unknown flag).
    pub value_issues: u64,
    /// Noise bytes skipped while looking for `##`.
    pub skipped_bytes: u64,
    /// Sorted by source.
    pub rejected: Vec<SourceStats>,
    /// Rejections not counted per source because [`ReceiverOptions::max_stats_sources`] was reached.
    pub rejected_overflow: u64,
}

impl StatsSnapshot {
    /// The rejections counted against `mn`.
    pub fn for_mn(&self, mn: &str) -> Option<&SourceStats> {
        self.rejected
            .iter()
            .find(|stats| matches!(&stats.source, RejectSource::Mn(m) if m == mn))
    }

    /// All rejections for `reason`, over every source.
    pub fn total_rejected(&self, reason: RejectReason) -> u64 {
        self.rejected
            .iter()
            .map(|stats| stats.count(reason))
            .sum::<u64>()
    }
}

impl ReceiverStats {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let (mut rejected, rejected_overflow) = match self.rejected.lock() {
            Ok(guard) => (
                guard.by_source.values().cloned().collect::<Vec<_>>(),
                guard.overflow,
            ),
            Err(poisoned) => {
                let guard = poisoned.into_inner();
                (guard.by_source.values().cloned().collect(), guard.overflow)
            }
        };
        rejected.sort_by(|a, b| a.source.cmp(&b.source));
        StatsSnapshot {
            accepted_frames: load(&self.accepted_frames),
            accepted_readings: load(&self.accepted_readings),
            acks_sent: load(&self.acks_sent),
            sink_failures: load(&self.sink_failures),
            connections_open: load(&self.connections_open),
            connections_total: load(&self.connections_total),
            connections_refused: load(&self.connections_refused),
            peer_refused: load(&self.peer_refused),
            idle_closed: load(&self.idle_closed),
            first_frame_closed: load(&self.first_frame_closed),
            value_issues: load(&self.value_issues),
            skipped_bytes: load(&self.skipped_bytes),
            rejected,
            rejected_overflow,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reject(
        &self,
        limit: usize,
        source: RejectSource,
        reason: RejectReason,
        peer: SocketAddr,
        detail: String,
        now: DateTime<Utc>,
    ) {
        let mut guard = match self.rejected.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let rejections = &mut *guard;
        if !rejections.by_source.contains_key(&source) && rejections.by_source.len() >= limit {
            rejections.overflow += 1;
            return;
        }
        let stats = rejections
            .by_source
            .entry(source.clone())
            .or_insert_with(|| SourceStats {
                source,
                counts: [0; REASONS],
                last_reason: reason,
                last_peer: peer,
                last_at: now,
                last_detail: String::new(),
            });
        stats.counts[reason.index()] += 1;
        stats.last_reason = reason;
        stats.last_peer = peer;
        stats.last_at = now;
        stats.last_detail = detail;
    }
}

/// Listens on `address` with a deep accept queue: after an outage or a restart every data
/// logger of a group reconnects within the same second, and the default queue (1,024) then
/// overflows and resets some of them.
pub fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(8192)
}

/// How much a connection reads at once.
const READ_CHUNK: usize = 16 * 1024;

/// Accepts data loggers on `listener` until `shutdown` resolves, then stops accepting, lets every
/// connection finish the frame it is storing, and returns once all are closed.
pub async fn serve<S: FrameSink>(
    listener: TcpListener,
    directory: Arc<dyn StackDirectory>,
    sink: Arc<S>,
    stats: Arc<ReceiverStats>,
    options: ReceiverOptions,
    shutdown: impl Future<Output = ()> + Send,
) {
    let permits = Arc::new(Semaphore::new(options.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        directory,
        sink,
        stats,
        options,
        peers: Arc::default(),
    });
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(error) => {
                // EMFILE and friends: back off briefly instead of spinning.
                tracing::warn!(%error, "HJ 212 receiver: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            shared
                .stats
                .connections_refused
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%peer, limit = shared.options.max_connections, "HJ 212 receiver: too many connections, closing");
            drop(stream);
            continue;
        };
        let Some(peer_slot) = PeerSlot::take(&shared, peer.ip()) else {
            shared.stats.peer_refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%peer, limit = shared.options.max_per_peer, "HJ 212 receiver: too many connections from this peer, closing");
            drop(permit);
            drop(stream);
            continue;
        };
        let shared = Arc::clone(&shared);
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            shared
                .stats
                .connections_total
                .fetch_add(1, Ordering::Relaxed);
            shared
                .stats
                .connections_open
                .fetch_add(1, Ordering::Relaxed);
            if let Err(error) = connection(&shared, stream, peer, stop).await {
                tracing::debug!(%peer, %error, "HJ 212 connection ended with an error");
            }
            shared
                .stats
                .connections_open
                .fetch_sub(1, Ordering::Relaxed);
            drop(peer_slot);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a permit until it ends.
    let all = u32::try_from(shared.options.max_connections).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

struct Shared<S> {
    directory: Arc<dyn StackDirectory>,
    sink: Arc<S>,
    stats: Arc<ReceiverStats>,
    options: ReceiverOptions,
    /// Open connections per peer address (entries removed at zero, so it holds only peers
    /// with a connection open: at most `max_connections`).
    peers: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

type PeerCounts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One of a peer's `max_per_peer` connection slots, given back when dropped.
struct PeerSlot {
    peers: PeerCounts,
    ip: IpAddr,
}

impl PeerSlot {
    /// A slot for `ip`, `None` when it has `max_per_peer` connections open already.
    fn take<S>(shared: &Shared<S>, ip: IpAddr) -> Option<PeerSlot> {
        let mut peers = lock_peers(&shared.peers);
        let open = peers.entry(ip).or_insert(0);
        if *open >= shared.options.max_per_peer {
            return None;
        }
        *open += 1;
        Some(PeerSlot {
            peers: Arc::clone(&shared.peers),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut peers = lock_peers(&self.peers);
        if let Some(open) = peers.get_mut(&self.ip) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                peers.remove(&self.ip);
            }
        }
    }
}

fn lock_peers(
    peers: &Mutex<HashMap<IpAddr, usize>>,
) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
    peers
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn connection<S: FrameSink>(
    shared: &Shared<S>,
    mut stream: TcpStream,
    peer: SocketAddr,
    stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut splits = Splits::default();
    let ended = converse(shared, &mut stream, peer, stop, &mut splits).await;
    // Packets of a split message still waiting were never acknowledged: the logger sends them
    // again, on its next connection.
    splits.drop_all(shared, peer, "the connection ended");
    ended
}

async fn converse<S: FrameSink>(
    shared: &Shared<S>,
    stream: &mut TcpStream,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
    splits: &mut Splits,
) -> std::io::Result<()> {
    // Acknowledgements are small; do not let Nagle hold them back.
    stream.set_nodelay(true)?;
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut acks = BytesMut::new();
    let mut decoder = FrameDecoder::new();
    let mut batch = Vec::new();
    // Until one frame passes every check, the connection has `first_frame_timeout`.
    let mut trusted = false;
    loop {
        let skipped_before = decoder.skipped_bytes();
        while let Some(item) = decoder.decode_frame(&mut buf) {
            let Some(authentic) = check_frame(shared, item, peer) else {
                continue;
            };
            trusted = true;
            if let Some(whole) = splits.offer(shared, authentic, peer)
                && let Some(checked) = finish(shared, whole, peer)
            {
                batch.push(checked);
            }
        }
        splits.expire(shared, peer, shared.options.split_timeout);
        store_batch(shared, std::mem::take(&mut batch), peer, &mut acks).await;
        let skipped = decoder.skipped_bytes() - skipped_before;
        if skipped > 0 {
            shared
                .stats
                .skipped_bytes
                .fetch_add(skipped, Ordering::Relaxed);
        }
        if !acks.is_empty() {
            // A logger that never reads its acknowledgements must not hold the connection
            // forever: the write has the idle timeout too.
            match tokio::time::timeout(shared.options.idle_timeout, stream.write_all(&acks)).await {
                Ok(written) => written?,
                Err(_elapsed) => {
                    shared.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(%peer, "HJ 212 connection does not read its acknowledgements, closing");
                    return Ok(());
                }
            }
            acks.clear();
        }
        if *stop.borrow() {
            return Ok(());
        }
        buf.reserve(READ_CHUNK);
        let limit = if trusted {
            shared.options.idle_timeout
        } else {
            shared.options.first_frame_timeout
        };
        // With a split message pending, wake up in time to drop it when it expires.
        let wait = splits
            .next_expiry(shared.options.split_timeout)
            .map_or(limit, |left| left.min(limit));
        let read = tokio::select! {
            read = tokio::time::timeout(wait, stream.read_buf(&mut buf)) => read,
            _ = stop.changed() => return Ok(()),
        };
        match read {
            Ok(Ok(0)) => return Ok(()),
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(error),
            Err(_elapsed) if wait < limit => {
                // Woken to expire a split message: go round again.
            }
            Err(_elapsed) if trusted => {
                shared.stats.idle_closed.fetch_add(1, Ordering::Relaxed);
                tracing::info!(%peer, timeout = ?shared.options.idle_timeout, "HJ 212 connection idle, closing");
                return Ok(());
            }
            Err(_elapsed) => {
                shared
                    .stats
                    .first_frame_closed
                    .fetch_add(1, Ordering::Relaxed);
                tracing::info!(%peer, timeout = ?shared.options.first_frame_timeout, "HJ 212 connection sent no valid frame in time, closing");
                return Ok(());
            }
        }
    }
}

/// A frame whose framing, parse, MN and password checked out (or a split message made whole),
/// with the acknowledgements its packets asked for.
struct Authentic {
    packet: Packet,
    data: String,
    acks: Vec<String>,
}

/// A frame ready for the sink, with what its acknowledgements will say.
struct Checked {
    accepted: AcceptedFrame,
    acks: Vec<String>,
    readings: u64,
}

/// The checks of one frame: framing, parsing, MN and password. A refused frame is counted and
/// logged here and never reaches the sink.
fn check_frame<S: FrameSink>(
    shared: &Shared<S>,
    item: Result<RawFrame, FrameError>,
    peer: SocketAddr,
) -> Option<Authentic> {
    let frame = match item {
        Ok(frame) => frame,
        Err(error) => {
            let reason = match error {
                FrameError::BadLength { .. } => RejectReason::BadLength,
                FrameError::BadCrc { .. } => RejectReason::BadCrc,
                FrameError::MissingTerminator { .. } => RejectReason::MissingTerminator,
            };
            // The MN of a frame that failed its checks is not trusted: the frame is counted
            // against the peer.
            reject(
                shared,
                RejectSource::Peer(peer.ip()),
                reason,
                peer,
                error.to_string(),
            );
            return None;
        }
    };
    let packet = match Packet::parse(&frame.data) {
        Ok(packet) => packet,
        Err(error) => {
            let source = claimed_mn(&frame.data)
                .filter(|mn| shared.directory.password(mn).is_some())
                .map_or(RejectSource::Peer(peer.ip()), |mn| {
                    RejectSource::Mn(mn.to_owned())
                });
            reject(
                shared,
                source,
                RejectReason::Malformed,
                peer,
                error.to_string(),
            );
            return None;
        }
    };
    match shared.directory.password(&packet.mn) {
        None => {
            let detail = format!("MN {} is not registered", packet.mn);
            reject(
                shared,
                RejectSource::Mn(packet.mn),
                RejectReason::UnknownMn,
                peer,
                detail,
            );
            return None;
        }
        Some(password) if !same_secret(&password, &packet.pw) => {
            let detail = format!("MN {}: the password does not match", packet.mn);
            reject(
                shared,
                RejectSource::Mn(packet.mn),
                RejectReason::WrongPassword,
                peer,
                detail,
            );
            return None;
        }
        Some(_) => {}
    }
    let acks = packet
        .wants_ack()
        .then(|| data_ack_segment(&packet))
        .into_iter()
        .collect();
    Some(Authentic {
        // Parsing succeeded, so the data segment is UTF-8.
        data: String::from_utf8_lossy(&frame.data).into_owned(),
        packet,
        acks,
    })
}

/// The last check, on a whole message: its `DataTime` may not be in the future. Then what the
/// sink gets.
fn finish<S: FrameSink>(shared: &Shared<S>, whole: Authentic, peer: SocketAddr) -> Option<Checked> {
    let Authentic { packet, data, acks } = whole;
    let received_at = (shared.options.now)();
    let data_time = packet.record.as_ref().map(|record| record.data_time);
    if let Some(data_time) = data_time {
        let now = zx_domain::calendar::china_time(received_at);
        let allowed = TimeDelta::from_std(shared.options.max_future).unwrap_or(TimeDelta::MAX);
        if now
            .checked_add_signed(allowed)
            .is_some_and(|latest| data_time > latest)
        {
            let detail = format!(
                "MN {}: DataTime {} is after {} (China time now {})",
                packet.mn,
                data_time.format("%Y-%m-%d %H:%M:%S"),
                (now + allowed).format("%Y-%m-%d %H:%M:%S"),
                now.format("%Y-%m-%d %H:%M:%S"),
            );
            reject(
                shared,
                RejectSource::Mn(packet.mn),
                RejectReason::FutureTime,
                peer,
                detail,
            );
            return None;
        }
    }
    let readings = if packet.cn == CN_MINUTE {
        packet.minute_readings()
    } else {
        Vec::new()
    };
    let reading_count = readings.len() as u64;
    let issues = packet
        .record
        .map(|record| record.issues)
        .unwrap_or_default();
    Some(Checked {
        accepted: AcceptedFrame {
            mn: packet.mn,
            cn: packet.cn,
            qn: packet.qn,
            peer,
            received_at,
            readings,
            data,
            data_time,
            issues,
        },
        acks,
        readings: reading_count,
    })
}

/// Stores the checked frames of one read in one call and, once they are durable, queues their
/// acknowledgements. If the sink fails none is acknowledged: the logger sends them again.
async fn store_batch<S: FrameSink>(
    shared: &Shared<S>,
    batch: Vec<Checked>,
    peer: SocketAddr,
    acks: &mut BytesMut,
) {
    if batch.is_empty() {
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    let mut frames = Vec::with_capacity(batch.len());
    let mut readings = 0;
    let mut issues = 0;
    for checked in batch {
        readings += checked.readings;
        issues += checked.accepted.issues.len() as u64;
        replies.extend(checked.acks);
        frames.push(checked.accepted);
    }
    let count = frames.len() as u64;
    let first_mn = frames.first().map(|f| f.mn.clone()).unwrap_or_default();
    match shared.sink.store_batch(frames).await {
        Ok(()) => {
            shared
                .stats
                .accepted_frames
                .fetch_add(count, Ordering::Relaxed);
            shared
                .stats
                .accepted_readings
                .fetch_add(readings, Ordering::Relaxed);
            shared
                .stats
                .value_issues
                .fetch_add(issues, Ordering::Relaxed);
            for ack in replies {
                encode_frame(ack.as_bytes(), acks);
                shared.stats.acks_sent.fetch_add(1, Ordering::Relaxed);
            }
        }
        Err(error) => {
            shared
                .stats
                .sink_failures
                .fetch_add(count, Ordering::Relaxed);
            tracing::error!(%peer, mn = %first_mn, frames = count, %error,
                "HJ 212 frames not stored, not acknowledged");
        }
    }
}

fn reject<S>(
    shared: &Shared<S>,
    source: RejectSource,
    reason: RejectReason,
    peer: SocketAddr,
    detail: String,
) {
    tracing::warn!(%peer, ?source, reason = reason.code(), %detail, "HJ 212 frame rejected");
    shared.stats.reject(
        shared.options.max_stats_sources,
        source,
        reason,
        peer,
        detail,
        (shared.options.now)(),
    );
}

/// The `MN=` of a data segment's header, if one can be read, so a malformed frame from a known
/// stack is counted against that stack.
fn claimed_mn(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    let header = text.split("CP=").next()?;
    header
        .split(';')
        .find_map(|entry| entry.strip_prefix("MN="))
        .filter(|mn| !mn.is_empty())
}

/// Compares passwords without stopping at the first difference, so timing tells nothing.
fn same_secret(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    let mut difference = a.len() ^ b.len();
    for (index, &byte) in a.iter().enumerate() {
        difference |= usize::from(byte ^ b.get(index).copied().unwrap_or(!byte));
    }
    difference == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("123456", "123456"));
        assert!(!same_secret("123456", "12345"));
        assert!(!same_secret("123456", "1234567"));
        assert!(!same_secret("123456", "123457"));
        assert!(!same_secret("", "x"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn the_claimed_mn_is_read_from_the_header_only() {
        assert_eq!(claimed_mn(b"QN=1;MN=ABC;CP=&&MN=X&&"), Some("ABC"));
        assert_eq!(claimed_mn(b"QN=1;CP=&&MN=X&&"), None);
        assert_eq!(claimed_mn(b"QN=1;MN=;CP=&&&&"), None);
    }
}
