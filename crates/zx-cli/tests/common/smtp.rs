//! A minimal SMTP server on 127.0.0.1 for the delivery tests: it accepts every message and
//! keeps the envelope recipients and the message as received (CRLF lines, dot-unstuffed).

use std::sync::{Arc, Mutex};

/// What a minimal SMTP server on 127.0.0.1 received: (envelope recipients, message).
pub type Mailbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

pub async fn smtp_sink() -> (u16, Mailbox) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mailbox: Mailbox = Arc::default();
    let kept = mailbox.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let mailbox = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await?;
                let mut to = Vec::new();
                while let Some(line) = lines.next_line().await? {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                        b"250 ok\r\n"
                    } else if upper == "DATA" {
                        write.write_all(b"354 go on\r\n").await?;
                        let mut data = String::new();
                        while let Some(line) = lines.next_line().await? {
                            if line == "." {
                                break;
                            }
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push_str("\r\n");
                        }
                        mailbox
                            .lock()
                            .unwrap()
                            .push((std::mem::take(&mut to), data));
                        b"250 queued\r\n"
                    } else if upper == "QUIT" {
                        write.write_all(b"221 bye\r\n").await?;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    write.write_all(reply).await?;
                }
                Ok::<(), std::io::Error>(())
            });
        }
    });
    (port, mailbox)
}
