//! What the `zx` integration tests share: running the binary ([`zx`], [`run`] with a piped
//! stdin), the web harness ([`web`]: the demo served in-process), an SMTP sink ([`smtp`]) and
//! [`on_both_backends!`],
//! which runs each test on SQLite and, when `ZX_TEST_DATABASE_URL` is set, on PostgreSQL.

use std::io::{ErrorKind, Write};
use std::process::{Command, Output, Stdio};

/// One test per backend for each named test function: `mod sqlite` and `mod postgres`. The
/// fixture type gives `sqlite()` and `postgres(..) -> Option<_>` (`None` without a test cluster:
/// the PostgreSQL test passes with a notice).
///
/// `on_both_backends!(Workspace: a, b)` makes blocking tests; `on_both_backends!(async
/// Env("the emissions test"): a, b)` makes async ones (the label names the test database).
#[allow(unused_macros)] // not every test binary uses it
macro_rules! on_both_backends {
    ($fixture:ident: $($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test(super::$fixture::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    if let Some(fixture) = super::$fixture::postgres() {
                        super::$test(fixture);
                    }
                }
            )*
        }
    };
    (async $fixture:ident($label:expr): $($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(super::$fixture::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    if let Some(fixture) = super::$fixture::postgres($label).await {
                        super::$test(fixture).await;
                    }
                }
            )*
        }
    };
}

#[allow(dead_code)] // used by the web tests only
pub mod web;

#[allow(dead_code)] // used by the browser tests only
pub mod browser;

#[allow(dead_code)] // used by the CLI tests on files only
pub mod workspace;

#[allow(dead_code)] // used by the e-mail delivery tests only
pub mod smtp;

/// Runs `zx ARGS --db DB` as user `tester` (no `ZX_LANG`), asserts success and returns stdout.
#[allow(dead_code)] // not every test binary runs zx this way
pub fn zx(db: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zx"))
        .args(args)
        .arg("--db")
        .arg(db)
        .env("ZX_USER", "tester")
        .env_remove("ZX_LANG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zx {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

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
