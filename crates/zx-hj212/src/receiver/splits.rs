//! Split messages (PNO/PNUM): a connection's packets held until their set is whole, bounded in
//! sets, bytes and time so that a logger that never finishes cannot hold memory.

use super::*;

/// At most this many split messages are held per connection; a new one past it drops the
/// oldest.
const MAX_SPLIT_SETS: usize = 8;
/// At most this many bytes of data segments are held per connection for split messages (a
/// logger's split minute is a few kB): a set growing past it is dropped.
const MAX_SPLIT_BYTES: usize = 256 * 1024;

/// The packets of split messages (PNO/PNUM) waiting for the rest of their set, per connection,
/// keyed by MN, CN and QN (or `DataTime` when the logger sends no QN).
#[derive(Default)]
pub(super) struct Splits {
    sets: Vec<SplitSet>,
    bytes: usize,
}

struct SplitSet {
    key: (String, String, String),
    pnum: u32,
    started: Instant,
    parts: BTreeMap<u32, Authentic>,
    bytes: usize,
}

impl Splits {
    /// Takes a packet: a whole message comes straight back; a packet of a split one is held,
    /// and the whole message comes back, merged, when its last packet arrives.
    pub(super) fn offer<S>(
        &mut self,
        shared: &Shared<S>,
        authentic: Authentic,
        peer: SocketAddr,
    ) -> Option<Authentic> {
        let Some((pno, pnum)) = authentic.packet.part() else {
            return Some(authentic);
        };
        let packet = &authentic.packet;
        let Some(tag) = packet.qn.clone().or_else(|| {
            packet
                .record
                .as_ref()
                .map(|record| record.data_time.format("%Y%m%d%H%M%S").to_string())
        }) else {
            // Nothing ties the packets together: each is taken as it is.
            return Some(authentic);
        };
        let key = (packet.mn.clone(), packet.cn.clone(), tag);
        let at = match self.sets.iter().position(|set| set.key == key) {
            Some(at) if self.sets[at].pnum == pnum => at,
            found => {
                if let Some(at) = found {
                    // The logger started the set again with another count.
                    self.remove(shared, at, peer, "PNUM changed within the set");
                }
                if self.sets.len() >= MAX_SPLIT_SETS {
                    self.remove(shared, 0, peer, "too many split messages pending");
                }
                self.sets.push(SplitSet {
                    key,
                    pnum,
                    started: Instant::now(),
                    parts: BTreeMap::new(),
                    bytes: 0,
                });
                self.sets.len() - 1
            }
        };
        let size = authentic.data.len();
        let set = &mut self.sets[at];
        // A packet sent again replaces the copy held.
        if let Some(before) = set.parts.insert(pno, authentic) {
            set.bytes -= before.data.len();
            self.bytes -= before.data.len();
        }
        set.bytes += size;
        self.bytes += size;
        if self.bytes > MAX_SPLIT_BYTES {
            self.remove(shared, at, peer, "split message larger than the buffer");
            return None;
        }
        if set.parts.len() < pnum as usize {
            return None;
        }
        let set = self.sets.remove(at);
        self.bytes -= set.bytes;
        let mn = set.key.0.clone();
        let parts: Vec<Authentic> = set.parts.into_values().collect();
        let packets: Vec<Packet> = parts.iter().map(|part| part.packet.clone()).collect();
        match Packet::merge(&packets) {
            Ok(packet) => Some(Authentic {
                packet,
                data: parts
                    .iter()
                    .map(|part| part.data.as_str())
                    .collect::<Vec<_>>()
                    .join("\t"),
                acks: parts.into_iter().flat_map(|part| part.acks).collect(),
            }),
            Err(error) => {
                reject(
                    shared,
                    RejectSource::Mn(mn),
                    RejectReason::Malformed,
                    peer,
                    format!("split message of {pnum} packets: {error}"),
                );
                None
            }
        }
    }

    /// How long until the oldest set expires (zero if it has), `None` with nothing held.
    pub(super) fn next_expiry(&self, timeout: Duration) -> Option<Duration> {
        self.sets
            .iter()
            .map(|set| timeout.saturating_sub(set.started.elapsed()))
            .min()
    }

    /// Drops the sets held longer than `timeout`.
    pub(super) fn expire<S>(&mut self, shared: &Shared<S>, peer: SocketAddr, timeout: Duration) {
        while let Some(at) = self
            .sets
            .iter()
            .position(|set| set.started.elapsed() >= timeout)
        {
            self.remove(shared, at, peer, "the rest did not arrive in time");
        }
    }

    pub(super) fn drop_all<S>(&mut self, shared: &Shared<S>, peer: SocketAddr, why: &str) {
        while !self.sets.is_empty() {
            self.remove(shared, 0, peer, why);
        }
    }

    /// Drops a set unacknowledged, counting it against its MN.
    pub(super) fn remove<S>(&mut self, shared: &Shared<S>, at: usize, peer: SocketAddr, why: &str) {
        let set = self.sets.remove(at);
        self.bytes -= set.bytes;
        let received: Vec<String> = set.parts.keys().map(u32::to_string).collect();
        let (mn, cn, tag) = set.key;
        reject(
            shared,
            RejectSource::Mn(mn.clone()),
            RejectReason::IncompleteSplit,
            peer,
            format!(
                "MN {mn} CN {cn} {tag}: packets {} of {} held, dropped unacknowledged ({why})",
                received.join(","),
                set.pnum
            ),
        );
    }
}
