//! Running `chplan` at a terminal: a pseudo-terminal as its stdin, stdout and stderr, so it
//! sees what it sees at a person's terminal (prompts on, colour on). The test types answers
//! and reads the screen.
//!
//! ```ignore
//! let mut t = Terminal::spawn(dir, &["plan", "--name", "x"], &[]);
//! t.expect("Keep old table");
//! t.send("n\n");
//! assert_eq!(t.wait(), 0);
//! ```

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Terminal {
    child: Child,
    master: File,
    screen: Arc<Mutex<Vec<u8>>>,
    /// How much of the screen `expect` has consumed.
    read_to: usize,
}

impl Terminal {
    /// `chplan --project DIR ARGS...` at a new terminal, with `env` added to an environment
    /// that has no credentials, no pre-set answers and no `NO_COLOR`.
    pub fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Terminal {
        Terminal::start(dir, args, env, true)
    }

    /// As `spawn`, with standard input from `/dev/null` (`chplan ... < /dev/null` at a
    /// terminal): stdout and stderr are the terminal, stdin is not.
    pub fn spawn_without_input(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Terminal {
        Terminal::start(dir, args, env, false)
    }

    fn start(dir: &Path, args: &[&str], env: &[(&str, &str)], input: bool) -> Terminal {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = File::from(pty.slave);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chplan"));
        cmd.arg("--project").arg(dir).args(args);
        super::cli::clean_env(&mut cmd);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .stdin(if input {
                Stdio::from(slave.try_clone().unwrap())
            } else {
                Stdio::null()
            })
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("run chplan");
        // `cmd` holds the slave's copies until dropped: then the master reads EIO once the
        // child exits.
        drop(cmd);
        let master = File::from(pty.master);
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Terminal {
            child,
            master,
            screen,
            read_to: 0,
        }
    }

    /// Everything the terminal showed so far (what was typed is echoed into it).
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits (up to a minute) until `text` appears after what earlier calls consumed; the
    /// screen up to and including it.
    pub fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if let Some(at) = screen.get(self.read_to..).and_then(|s| s.find(text)) {
                let end = self.read_to + at + text.len();
                let seen = screen[self.read_to..end].to_owned();
                self.read_to = end;
                return seen;
            }
            if Instant::now() > deadline {
                panic!("`{text}` did not appear; the terminal shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types `text` (`\n` is Enter).
    pub fn send(&mut self, text: &str) {
        self.master.write_all(text.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Ends the input, as Ctrl-D at the start of a line does.
    pub fn send_eof(&mut self) {
        self.send("\x04");
    }

    /// The exit status, once the command ends (within a minute, else it is killed).
    pub fn wait(&mut self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain what the command wrote last.
                std::thread::sleep(Duration::from_millis(100));
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("chplan did not end; the terminal shows:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
