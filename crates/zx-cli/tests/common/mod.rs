//! What the `zx` integration tests share: running the binary with a piped stdin.

use std::io::{ErrorKind, Write};
use std::process::{Command, Output, Stdio};

#[allow(dead_code)] // used by the emissions tests only
pub mod web;

/// Runs `command` to completion, feeding `stdin` (if any) and capturing stdout and stderr.
///
/// A command may refuse its arguments and exit before it reads its input (e.g. `user add
/// --password-stdin` with an unknown entity); the write then meets a closed pipe. That is the
/// program's answer, not a test failure, so a broken pipe is ignored and the exit status judged.
#[allow(dead_code)] // not every test binary runs commands with stdin
pub fn run(mut command: Command, stdin: Option<&str>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the zx binary starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        match pipe.write_all(text.as_bytes()) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::BrokenPipe => {}
            Err(error) => panic!("writing to zx's stdin: {error}"),
        }
    }
    drop(pipe);
    child.wait_with_output().expect("zx runs to completion")
}
