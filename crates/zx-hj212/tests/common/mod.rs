//! What the receiver's tests share: reading its acknowledgements off a logger's connection.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use zx_hj212::frame::FrameDecoder;
use zx_hj212::packet::Packet;

/// Reads the next frame from `stream` (within 5 s) and parses it; the decoder checked its CRC.
pub async fn read_reply(stream: &mut TcpStream, buf: &mut BytesMut) -> Option<Packet> {
    let mut decoder = FrameDecoder::new();
    loop {
        if let Some(item) = decoder.decode_frame(buf) {
            let frame = item.expect("the receiver sends well-formed frames");
            return Some(Packet::parse(&frame.data).expect("the ack parses"));
        }
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_buf(buf))
            .await
            .expect("a reply within 5 s")
            .unwrap();
        if read == 0 {
            return None;
        }
    }
}

/// True when nothing arrives on `stream` for `wait`.
pub async fn silent_for(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut byte = [0u8; 1];
    tokio::time::timeout(wait, stream.read(&mut byte))
        .await
        .is_err()
}
