//! HJ 212-2017, the protocol Chinese emission monitors (CEMS data loggers) send their data to
//! the authorities with, for Zengxiao: the CRC, the framing over a byte stream, the data segment
//! parser, the TCP receiver that stores minute data and acknowledges it, and a simulator of data
//! loggers for the demo, the tests and the benchmark.
//!
//! The protocol modules ([`crc`], [`frame`], [`packet`]) are pure: no IO, no clock. Only
//! [`receiver`] and [`simulator`] touch sockets. What a reading means (flags, limits, averages)
//! is not here but in `zx_domain::cems`; where readings are kept is the sink's business.
#![forbid(unsafe_code)]

pub mod crc;
pub mod frame;
pub mod packet;
pub mod receiver;
pub mod simulator;

pub use frame::{FrameDecoder, FrameError, RawFrame};
pub use packet::{DataRecord, FactorValues, Packet, PacketError};
pub use receiver::{
    AcceptedFrame, FrameSink, ReceiverOptions, ReceiverStats, RejectReason, RejectSource,
    SinkError, StackDirectory, StatsSnapshot, bind, serve,
};
pub use simulator::{Fleet, SimulationProgress, SimulationReport, SimulatorConfig};
